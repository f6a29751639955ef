#!/usr/bin/env node
// Creates .dev.vars from .dev.vars.example when it is missing, with a local webhook secret, a random admin
// token and a random link-signing secret, so a fresh clone runs with no keys and nothing secret is committed.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";

const target = ".dev.vars";
if (existsSync(target)) process.exit(0);
const hex = (n) => randomBytes(n).toString("hex");
const text = readFileSync(".dev.vars.example", "utf8")
  .replace("__GENERATED_WEBHOOK_SECRET__", `whsec_local_${hex(16)}`)
  .replace("__GENERATED_ADMIN_TOKEN__", hex(24)) // 48 characters: the Worker wants at least 32
  .replace("__GENERATED_LINK_SECRET__", hex(24));
writeFileSync(target, text, { mode: 0o600 });
console.log("created .dev.vars with a local webhook secret and a random admin token");

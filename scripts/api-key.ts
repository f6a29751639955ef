/**
 * npm run api-key -- create [--label NAME] [--remote] | revoke <id> [--remote] | list [--remote]
 * Manages API keys for GET /v1/access/:customerId. Keys are stored hashed (SHA-256) in D1; the key itself is
 * printed once at creation. Wraps `wrangler d1 execute LEDGER --local|--remote`.
 */
import { createHash, randomBytes } from "node:crypto";
import { execFileSync } from "node:child_process";

const args = process.argv.slice(2);
const remote = args.includes("--remote");
const persistIdx = args.indexOf("--persist-to");
const persist = persistIdx >= 0 ? args[persistIdx + 1] : undefined;
const labelIdx = args.indexOf("--label");
const label = labelIdx >= 0 ? (args[labelIdx + 1] ?? "") : "";
const [command, target] = args.filter((a, i) => !a.startsWith("--") && args[i - 1] !== "--label" && args[i - 1] !== "--persist-to");

function usage(message: string): never {
  console.error(`${message}\nusage: npm run api-key -- create [--label NAME] [--remote] | revoke <key-id> [--remote] | list [--remote]`);
  process.exit(2);
}

function d1(sql: string): unknown {
  const out = execFileSync("npx", ["wrangler", "d1", "execute", "LEDGER", remote ? "--remote" : "--local", ...(persist ? ["--persist-to", persist] : []), "--json", "--command", sql], {
    encoding: "utf8",
    env: { ...process.env, CI: "1" },
  });
  return JSON.parse(out);
}

const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;

if (command === "create") {
  const id = randomBytes(6).toString("hex");
  const secret = randomBytes(24).toString("base64url").replace(/[^A-Za-z0-9]/g, "").slice(0, 32);
  const key = `ra_${id}_${secret}`;
  const hash = createHash("sha256").update(key).digest("hex");
  d1(`INSERT INTO api_keys (id, key_hash, label, created_at) VALUES (${quote(id)}, ${quote(hash)}, ${quote(label)}, ${Date.now()})`);
  console.log(`created API key ${id}${label ? ` (${label})` : ""}. Store it now; it is not shown again:\n\n  ${key}\n\nUse it as: Authorization: Bearer ${key}`);
} else if (command === "revoke") {
  if (!target || !/^[a-f0-9]{12}$/.test(target)) usage("revoke needs the key id (the 12 hex characters after ra_)");
  d1(`UPDATE api_keys SET revoked_at = ${Date.now()} WHERE id = ${quote(target)} AND revoked_at IS NULL`);
  console.log(`revoked API key ${target} (if it existed and was active)`);
} else if (command === "list") {
  const result = d1(`SELECT id, label, created_at, revoked_at FROM api_keys ORDER BY created_at`) as Array<{ results: unknown[] }>;
  console.table(result[0]?.results ?? []);
} else {
  usage(`unknown command "${command ?? ""}"`);
}

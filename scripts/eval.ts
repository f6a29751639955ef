/**
 * npm run eval — runs the configured orchestrator over fixtures/scenarios/*.json and prints a table and the
 * accuracy. Rules by default; Gemini when GEMINI_API_KEY is set (GEMINI_MODEL, GEMINI_BASE_URL honoured).
 * Every proposal goes through the production guards before it is judged.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { GoogleGenAI } from "@google/genai";
import { askModel } from "../src/dunning/orchestrator.ts";
import { decideByRules } from "../src/dunning/policy.ts";
import { describeAction, finalCall, isAcceptable, scenarioConfig, scenarioGuardFacts, scenarioInput, scenarioPolicy, ScenarioSchema } from "../src/dunning/scenario.ts";
import { caseToolset } from "../src/dunning/toolset.ts";
import type { ToolCall } from "../src/dunning/tools.ts";

const dir = join(import.meta.dirname, "..", "fixtures", "scenarios");
const files = readdirSync(dir).filter((f) => f.endsWith(".json")).sort();
const config = scenarioConfig();
const key = process.env.GEMINI_API_KEY;
const model = process.env.GEMINI_MODEL ?? config.geminiModel;
const gemini = key
  ? { client: new GoogleGenAI({ apiKey: key, httpOptions: { apiVersion: "v1beta", ...(process.env.GEMINI_BASE_URL ? { baseUrl: process.env.GEMINI_BASE_URL } : {}) } }), model, timeoutMs: 20_000 }
  : null;

const rows: string[][] = [];
let correct = 0;
for (const file of files) {
  const scenario = ScenarioSchema.parse(JSON.parse(readFileSync(join(dir, file), "utf8")));
  const input = scenarioInput(scenario);
  const policy = scenarioPolicy(config, input.context);
  let proposal: ToolCall;
  let note = "";
  if (gemini) {
    const out = await askModel(gemini, input, policy, caseToolset(scenarioGuardFacts(input), config));
    if (out.kind === "call") proposal = out.call;
    else {
      // As in production: an invalid or failed answer falls back to the rules; a blocked one goes to a person.
      proposal = out.kind === "blocked" ? { name: "escalate_to_human", args: { reason: out.error } } : decideByRules(input, policy).call;
      note = `${out.kind}: ${out.error}`;
    }
  } else {
    const d = decideByRules(input, policy);
    proposal = d.call;
    note = `R${d.rule}`;
  }
  const final = finalCall(proposal, input, config);
  const ok = isAcceptable(final, scenario.acceptable);
  if (ok) correct += 1;
  rows.push([ok ? "ok" : "MISS", file.replace(/\.json$/, ""), describeAction(final), scenario.acceptable.map((a) => (a.template_id ? `${a.tool}:${a.template_id}` : a.tool)).join(" | "), note]);
}

const headers = ["", "scenario", "action", "acceptable", "note"];
const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ");
console.log(`orchestrator: ${gemini ? `gemini (${model})` : "rules"}`);
console.log(line(headers));
console.log(widths.map((w) => "-".repeat(w)).join("  "));
for (const r of rows) console.log(line(r));
const accuracy = (100 * correct) / rows.length;
console.log(`\naccuracy: ${correct}/${rows.length} = ${accuracy.toFixed(1)}%`);
if (!gemini && correct !== rows.length) process.exit(1);

/**
 * @module bench/run
 * The runner: measures the selected figures in order (ingress CPU first, in Node; then one build shared by the
 * workerd figures), prints the table and writes bench/results.json. Each figure lives in its own module.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { sleep } from "../scripts/lib/proc.ts";
import { printTable } from "../scripts/lib/table.ts";
import { N, configure, errMsg, results, round, rows, say, t0, type BenchOptions, type Section } from "./context.ts";
import { cleanup } from "./lifecycle.ts";
import { childPids, machine } from "./report.ts";
import { build, type Build } from "./workers.ts";
import { benchIngressCpu } from "./ingress-cpu.ts";
import { benchIngressRps } from "./ingress-rps.ts";
import { benchConsumer } from "./consumer.ts";
import { benchLatency } from "./latency.ts";
import { benchBundle } from "./bundle.ts";
import { benchCost } from "./cost.ts";
import { benchStorageRtt } from "./storage-rtt.ts";
import { benchCampaign } from "./campaign.ts";

/** Runs the selected sections, prints the table, writes the JSON; resolves to the exit code. */
export async function runBench(args: BenchOptions): Promise<number> {
  configure(args);
  const m = machine();
  const date = new Date().toISOString();
  say(`bench on ${m.cpu}, ${m.cores} cores, Node ${m.node}, miniflare ${m.miniflare}, wrangler ${m.wrangler}`);
  const errors: Record<string, string> = {};
  const guard = async (name: Section, fn: () => Promise<void> | void) => {
    if (!args.only.has(name)) return;
    try {
      await fn();
    } catch (err) {
      errors[name] = errMsg(err);
      say(`   ${name} failed: ${errMsg(err)}`);
      rows.push({ metric: name, value: "error", floor: "—", ratio: "—", target: "—", pass: false });
    }
  };

  await guard("ingress-cpu", benchIngressCpu);
  await guard("campaign", benchCampaign);
  const needsBuild = [...args.only].some((s) => s !== "ingress-cpu" && s !== "campaign");
  let b: Build | null = null;
  if (needsBuild) {
    say("building: wrangler deploy --dry-run --outdir <tmp>");
    try {
      b = await build();
    } catch (err) {
      errors.build = errMsg(err);
      say(`   build failed: ${errMsg(err)}`);
    }
  }
  if (b) {
    const bb = b;
    await guard("bundle", () => benchBundle(bb));
    await guard("ingress-rps", () => benchIngressRps(bb));
    await guard("consumer", () => benchConsumer(bb));
    await guard("latency", () => benchLatency(bb));
    await guard("cost", () => benchCost(bb));
    await guard("storage-rtt", () => benchStorageRtt(bb, args.rttMs));
  }
  await cleanup();
  await sleep(200);
  const leftovers = childPids();

  const durationS = round((Date.now() - t0) / 1000, 1);
  console.log("");
  printTable(
    ["metric", "value", "floor", "ratio", "target", "result"],
    rows.map((r) => [r.metric, r.value, r.floor, r.ratio, r.target, r.pass === null ? "info" : r.pass ? "pass" : "FAIL"]),
    { maxWidths: [44, 34, 70, 18, 8, 6] },
  );
  console.log(`\nmachine: ${m.cpu}, ${m.cores} cores, Node ${m.node}, ${m.platform}; ${date}; took ${durationS} s`);
  if (leftovers.length > 0) console.log(`leftover child processes: ${leftovers.join("; ")}`);

  const out = {
    date,
    machine: m,
    durationSeconds: durationS,
    options: { quick: args.quick, sections: [...args.only], n: N },
    table: rows,
    ...results,
    errors,
    leftoverChildProcesses: leftovers,
  };
  mkdirSync(resolve(args.out, ".."), { recursive: true });
  writeFileSync(args.out, `${JSON.stringify(out, null, 2)}\n`);
  console.log(`wrote ${args.out}`);
  return Object.keys(errors).length > 0 ? 1 : 0;
}

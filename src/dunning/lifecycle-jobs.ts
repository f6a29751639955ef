/** @module lifecycle-jobs — deferred lifecycle work (one-off PaymentIntent retries, next-day winbacks). */
import type { Mode } from "../constants.ts";
import type { Deps } from "../deps.ts";
import type { JobRow } from "../ledger/jobs.ts";

export async function runLifecycleJob(_deps: Deps, _job: JobRow, _mode: Mode): Promise<"done" | "canceled"> {
  return "canceled";
}

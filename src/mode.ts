/**
 * @module mode
 * The rollout mode lives in KV `dunning:mode` as a bare string, so on-call can flip it without a deploy.
 * A missing or unreadable value means the configured default.
 */
import { KV_MODE, MODES, type Mode } from "./constants.ts";
import { log } from "./log.ts";

export const isMode = (v: unknown): v is Mode => typeof v === "string" && (MODES as readonly string[]).includes(v);

export async function readMode(kv: KVNamespace, fallback: Mode): Promise<Mode> {
  try {
    const raw = (await kv.get(KV_MODE))?.trim() ?? null;
    if (raw === null) return fallback;
    if (isMode(raw)) return raw;
    log("warn", "mode.invalid_value", { value: raw.slice(0, 32), fallback });
    return fallback;
  } catch (err) {
    log("warn", "mode.read_failed", { error: err instanceof Error ? err.message : String(err), fallback });
    return fallback;
  }
}

/**
 * @module ops/brake
 * A brake for mass failures: when the failures of the last hour exceed `BRAKE_FAILURES_PER_HOUR` (default: 5× the
 * trailing 7-day hourly mean, at least 20), customer emails hold (they are reconsidered an hour later) and Slack
 * gets one alert, until a person resumes (`POST /admin/resume-campaigns`, which releases the brake for 6 hours) or
 * the rate falls back. A processor outage must not email every customer.
 */
import type { Config } from "../config.ts";

export const BRAKE_RELEASE_KEY = "brake:released_until";
export const BRAKE_RELEASE_MS = 6 * 3600_000;
const HOUR = 3600_000;
const MIN_THRESHOLD = 20;

export interface BrakeState {
  engaged: boolean;
  lastHour: number;
  threshold: number;
  releasedUntil: number | null;
}

/** The threshold: configured, else 5× the trailing 7-day hourly mean (the hour before now excluded), at least 20. */
export function brakeThreshold(configured: number | null, trailingFailures: number): number {
  if (configured !== null) return configured;
  const hourlyMean = trailingFailures / (7 * 24 - 1);
  return Math.max(MIN_THRESHOLD, Math.ceil(5 * hourlyMean));
}

let cached: { at: number; lastHour: number; trailing: number; releasedUntil: number | null } | null = null;

/** The brake's state now (the counts are read at most every 30 s per isolate: one scan of recent cases). */
export async function brakeState(db: D1Database, kv: KVNamespace, config: Pick<Config, "brakeFailuresPerHour">, now: number): Promise<BrakeState> {
  if (cached === null || now - cached.at >= 30_000 || now < cached.at) {
    const [counts, released] = await Promise.all([
      db
        .prepare(`SELECT SUM(CASE WHEN opened_at > ?1 THEN 1 ELSE 0 END) AS last_hour, SUM(CASE WHEN opened_at <= ?1 THEN 1 ELSE 0 END) AS trailing FROM cases WHERE opened_at > ?2`)
        .bind(now - HOUR, now - 7 * 24 * HOUR)
        .first<{ last_hour: number | null; trailing: number | null }>(),
      kv.get(BRAKE_RELEASE_KEY),
    ]);
    const releasedUntil = released !== null && Number.isFinite(Number(released)) ? Number(released) : null;
    cached = { at: now, lastHour: counts?.last_hour ?? 0, trailing: counts?.trailing ?? 0, releasedUntil };
  }
  const threshold = brakeThreshold(config.brakeFailuresPerHour, cached.trailing);
  const released = cached.releasedUntil !== null && cached.releasedUntil > now;
  return { engaged: cached.lastHour > threshold && !released, lastHour: cached.lastHour, threshold, releasedUntil: cached.releasedUntil };
}

/** A person resumes the campaigns: the brake is released for 6 hours. */
export async function releaseBrake(kv: KVNamespace, now: number): Promise<number> {
  const until = now + BRAKE_RELEASE_MS;
  await kv.put(BRAKE_RELEASE_KEY, String(until), { expirationTtl: Math.ceil(BRAKE_RELEASE_MS / 1000) + 60 });
  cached = null;
  return until;
}

/**
 * @module ledger/side-effects
 * Intent before effect: a side effect is recorded as `pending` under its idempotency key before the
 * provider call, and finished after. A retried message finds the key: `succeeded` means skip, anything
 * else means call again with the same key (the provider dedups).
 */
import { writeOrDefer } from "./write-behind.ts";

export type EffectStatus = "pending" | "succeeded" | "failed" | "unclear";

export interface EffectIntent {
  decisionId: number | null;
  eventId: string;
  caseId: string | null;
  customerId: string;
  kind: "email" | "slack" | "stripe" | "state";
  provider: string;
  operation: string;
  idempotencyKey: string;
}

export interface EffectRow {
  id: number;
  decision_id: number | null;
  event_id: string;
  case_id: string | null;
  customer_id: string;
  kind: string;
  provider: string;
  operation: string;
  idempotency_key: string;
  request_id: string | null;
  status: EffectStatus;
  detail: string | null;
  created_at: number;
  updated_at: number;
  /** 0: the call goes out under the intent's key; n: under `<key>:a<n>` (see `onceEffect`'s reconcile). */
  key_attempt: number;
}

export type BeginResult = { state: "new" | "retry"; row: EffectRow } | { state: "done"; row: EffectRow } | { state: "busy"; row: EffectRow };

/** A pending side effect owned by another decision is left alone this long before it may be taken over. */
export const EFFECT_LEASE_MS = 60_000;

/** Another decision is carrying out this side effect right now: retry the message later. */
export class EffectInProgress extends Error {
  constructor(key: string) {
    super(`side effect ${key} is in progress elsewhere`);
    this.name = "EffectInProgress";
  }
}

/**
 * A claim the effect needs (the customer's email slot), sent in the same batch as its intent: the intent is recorded
 * only when the claim holds, and a refused claim records nothing.
 */
export interface EffectGuard {
  statement: D1PreparedStatement;
  /** Whether the claim held, from the statement's result. */
  held(result: D1Result): boolean;
  /** SQL true once the claim holds (parameters numbered from ?10), and its parameters. */
  condition: string;
  params: unknown[];
}

/** The effect's guard was refused: nothing was recorded and nothing may be sent. */
export class EffectGuardRefused extends Error {
  constructor(key: string) {
    super(`side effect ${key}: its claim was refused`);
    this.name = "EffectGuardRefused";
  }
}

export async function beginEffect(db: D1Database, intent: EffectIntent, now: number, guard?: EffectGuard): Promise<BeginResult> {
  const values = [intent.decisionId, intent.eventId, intent.caseId, intent.customerId, intent.kind, intent.provider, intent.operation, intent.idempotencyKey, now];
  const columns = `decision_id, event_id, case_id, customer_id, kind, provider, operation, idempotency_key, status, created_at, updated_at`;
  let inserted: EffectRow | null;
  if (guard === undefined) {
    inserted = await db
      .prepare(`INSERT INTO side_effects (${columns}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'pending', ?9, ?9) ON CONFLICT (idempotency_key) DO NOTHING RETURNING *`)
      .bind(...values)
      .first<EffectRow>();
  } else {
    // One round trip: the claim, then the intent only if the claim holds.
    const [claim, intentRow] = await db.batch([
      guard.statement,
      db
        .prepare(`INSERT INTO side_effects (${columns}) SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'pending', ?9, ?9 WHERE ${guard.condition} ON CONFLICT (idempotency_key) DO NOTHING RETURNING *`)
        .bind(...values, ...guard.params),
    ]);
    if (!guard.held(claim as D1Result)) throw new EffectGuardRefused(intent.idempotencyKey);
    inserted = ((intentRow as D1Result).results?.[0] ?? null) as EffectRow | null;
  }
  if (inserted) return { state: "new", row: inserted };
  const row = await db.prepare(`SELECT * FROM side_effects WHERE idempotency_key = ?1`).bind(intent.idempotencyKey).first<EffectRow>();
  if (!row) throw new Error(`side effect ${intent.idempotencyKey} vanished`);
  if (row.status === "succeeded") return { state: "done", row };
  // Two decisions may share a key (two card-update events for one invoice). Only the owner resumes a fresh
  // pending effect; another waits, so the call is not sent twice at once (Slack has no idempotency key).
  const foreign = row.decision_id !== intent.decisionId;
  if (row.status === "pending" && foreign && now - row.updated_at < EFFECT_LEASE_MS) return { state: "busy", row };
  if (foreign) {
    await db.prepare(`UPDATE side_effects SET decision_id = ?2, updated_at = ?3 WHERE idempotency_key = ?1`).bind(intent.idempotencyKey, intent.decisionId, now).run();
  }
  return { state: "retry", row };
}

/**
 * Records a side effect's outcome. A success may be written behind (`behind`: it rides on the event's next round trip;
 * were it lost, the retry finds the intent pending and calls again under the same key, which the provider dedups);
 * a failure is written at once, before the error is thrown.
 */
export async function finishEffect(
  db: D1Database,
  idempotencyKey: string,
  status: Exclude<EffectStatus, "pending">,
  requestId: string | null,
  detail: unknown,
  now: number,
  behind = false,
): Promise<void> {
  const stmt = db
    .prepare(`UPDATE side_effects SET status = ?2, request_id = COALESCE(?3, request_id), detail = ?4, updated_at = ?5 WHERE idempotency_key = ?1`)
    .bind(idempotencyKey, status, requestId, detail === null || detail === undefined ? null : JSON.stringify(detail).slice(0, 4000), now);
  if (behind) await writeOrDefer(db, stmt);
  else await stmt.run();
}

/** An event's side effects, found within its customer's (the customer index). */
export async function effectsForEvent(db: D1Database, customerId: string, eventId: string): Promise<EffectRow[]> {
  return (await db.prepare(`SELECT * FROM side_effects WHERE customer_id = ?1 AND event_id = ?2 ORDER BY id`).bind(customerId, eventId).all<EffectRow>()).results;
}

export async function effectsForCustomer(db: D1Database, customerId: string, limit = 50): Promise<EffectRow[]> {
  return (await db.prepare(`SELECT * FROM side_effects WHERE customer_id = ?1 ORDER BY id DESC LIMIT ?2`).bind(customerId, limit).all<EffectRow>()).results;
}

/** The provider key of an attempt: the intent's key first, then one derived from it and the attempt number. */
export const attemptKey = (key: string, attempt: number) => (attempt === 0 ? key : `${key}:a${attempt}`);

/** How many fresh keys a side effect may use after stored failures (each only after a lookup found nothing done). */
export const MAX_KEY_ATTEMPTS = 3;

/**
 * A failure the provider stored under the key and replays for every later request with it (Stripe keeps the
 * response of a request that began executing, 500s included, for 24 h and answers `Idempotent-Replayed: true`).
 */
export function isReplayedServerError(err: unknown): boolean {
  const e = err as { statusCode?: number; headers?: Record<string, string | undefined> } | null;
  const replayed = e?.headers?.["idempotent-replayed"] ?? e?.headers?.["Idempotent-Replayed"];
  return typeof e?.statusCode === "number" && e.statusCode >= 500 && String(replayed).toLowerCase() === "true";
}

export interface OnceOptions<T> {
  /**
   * Looks the effect up at the provider (by our metadata, the code, the object's status) after a stored failure:
   * the result when it did happen, null when nothing happened (then a new key is used).
   */
  reconcile?: () => Promise<T | null>;
  /** A claim sent with the intent (EffectGuardRefused is thrown when it does not hold). */
  guard?: EffectGuard;
}

/**
 * Runs one side effect exactly once per idempotency key: records the intent, calls `run`, records the outcome.
 * `run` gets the key to pass to the provider. A thrown error is recorded (`unclear` when the request may have
 * left) and rethrown so the message is retried with the same key. A stored failure the provider replays for that
 * key is reconciled: looked up, and only when nothing happened, sent again under a key derived from the first.
 */
export async function onceEffect<T extends { requestId: string | null; detail: unknown }>(
  db: D1Database,
  intent: EffectIntent,
  clock: () => number,
  run: (idempotencyKey: string) => Promise<T>,
  options: OnceOptions<NoInfer<T>> = {},
): Promise<{ skipped: true; row: EffectRow } | { skipped: false; result: T }> {
  const begun = await beginEffect(db, intent, clock(), options.guard);
  if (begun.state === "done") return { skipped: true, row: begun.row };
  if (begun.state === "busy") throw new EffectInProgress(intent.idempotencyKey);
  let attempt = begun.row.key_attempt ?? 0;
  for (;;) {
    try {
      const result = await run(attemptKey(intent.idempotencyKey, attempt));
      await finishEffect(db, intent.idempotencyKey, "succeeded", result.requestId, result.detail, clock(), true);
      return { skipped: false, result };
    } catch (err) {
      if (options.reconcile !== undefined && isReplayedServerError(err) && attempt < MAX_KEY_ATTEMPTS) {
        const found = await options.reconcile();
        if (found !== null) {
          await finishEffect(db, intent.idempotencyKey, "succeeded", found.requestId, { ...(found.detail as object), reconciled: true }, clock());
          return { skipped: false, result: found };
        }
        attempt += 1;
        await db.prepare(`UPDATE side_effects SET key_attempt = ?2, updated_at = ?3 WHERE idempotency_key = ?1`).bind(intent.idempotencyKey, attempt, clock()).run();
        continue;
      }
      const message = err instanceof Error ? err.message : String(err);
      await finishEffect(db, intent.idempotencyKey, /timed out|timeout|network|connection/i.test(message) ? "unclear" : "failed", null, { error: message }, clock()).catch(
        () => undefined,
      );
      throw err;
    }
  }
}

/**
 * @module bench/prices
 * The list prices the cost figure uses, in one place: Cloudflare Workers Paid (requests, KV, Queues, D1) and the
 * Gemini API models configured by default (`GEMINI_MODEL`, `GEMINI_FAST_MODEL` in wrangler.toml). Each price
 * carries the page it was read from and the date. Prices are per unit beyond the plan's included allowance (the
 * Workers Paid plan's $5/month and its free quotas are not spread over failed payments: the figure is the
 * marginal cost). Update a price here and `npm run bench` prints and uses it.
 */

/** One list price. */
export interface Price {
  /** What is billed, as printed. */
  item: string;
  /** US dollars per `per` units. */
  usd: number;
  per: number;
  unit: string;
  source: string;
  /** When the price was read from `source` (YYYY-MM-DD). */
  read: string;
  note?: string;
}

const READ = "2026-12-02";

/** The priced items; keys name the components of the cost figure. */
export const PRICES = {
  workersRequests: {
    item: "Workers requests (webhooks, queue consumer and cron invocations)",
    usd: 0.3,
    per: 1e6,
    unit: "requests",
    source: "https://developers.cloudflare.com/workers/platform/pricing/",
    read: READ,
    note: "Workers Paid (Standard): 10 million included per month, then $0.30 per million. CPU time ($0.02 per million CPU ms beyond 30 million) is not counted here.",
  },
  kvReads: {
    item: "Workers KV reads",
    usd: 0.5,
    per: 1e6,
    unit: "reads",
    source: "https://developers.cloudflare.com/kv/platform/pricing/",
    read: READ,
    note: "10 million included per month; a read of a missing key is billed too.",
  },
  kvWrites: {
    item: "Workers KV writes, deletes and lists",
    usd: 5,
    per: 1e6,
    unit: "operations",
    source: "https://developers.cloudflare.com/kv/platform/pricing/",
    read: READ,
    note: "1 million each included per month.",
  },
  queueOperations: {
    item: "Queues operations (each 64 KB written, read or deleted)",
    usd: 0.4,
    per: 1e6,
    unit: "operations",
    source: "https://developers.cloudflare.com/queues/platform/pricing/",
    read: READ,
    note: "1 million included per month; a delivered message is 1 write + 1 read + 1 delete, each retry 1 more read.",
  },
  d1RowsRead: {
    item: "D1 rows read",
    usd: 0.001,
    per: 1e6,
    unit: "rows",
    source: "https://developers.cloudflare.com/d1/platform/pricing/",
    read: READ,
    note: "25 billion included per month.",
  },
  d1RowsWritten: {
    item: "D1 rows written (index entries included)",
    usd: 1,
    per: 1e6,
    unit: "rows",
    source: "https://developers.cloudflare.com/d1/platform/pricing/",
    read: READ,
    note: "50 million included per month.",
  },
  decisionModelInput: {
    item: "gemini-3.8-flash input tokens (GEMINI_MODEL: decisions)",
    usd: 0.75,
    per: 1e6,
    unit: "tokens",
    source: "https://vercel.com/ai-gateway/models/gemini-3.8-flash",
    read: READ,
    note: "Google's pricing page (https://ai.google.dev/gemini-api/docs/pricing) did not list gemini-3.8-flash when read; this is the list price resellers pass through, the same as gemini-3.7-flash's launch price.",
  },
  decisionModelOutput: {
    item: "gemini-3.8-flash output tokens, thinking tokens included",
    usd: 3.75,
    per: 1e6,
    unit: "tokens",
    source: "https://vercel.com/ai-gateway/models/gemini-3.8-flash",
    read: READ,
    note: "Gemini bills thinking tokens as output tokens.",
  },
  fastModelInput: {
    item: "gemini-3.5-flash-lite input tokens (GEMINI_FAST_MODEL: the email's empathy paragraph)",
    usd: 0.3,
    per: 1e6,
    unit: "tokens",
    source: "https://docs.apiyi.com/ko/models/gemini-3-5-flash-lite.md",
    read: READ,
    note: "Not found on Google's pricing page when read; reseller list price.",
  },
  fastModelOutput: {
    item: "gemini-3.5-flash-lite output tokens",
    usd: 2.5,
    per: 1e6,
    unit: "tokens",
    source: "https://docs.apiyi.com/ko/models/gemini-3-5-flash-lite.md",
    read: READ,
  },
} as const satisfies Record<string, Price>;

export type PricedItem = keyof typeof PRICES;

/**
 * Token counts the bench cannot observe locally (the fake model does not think), stated as assumptions:
 * gemini-3.8-flash thinks by default and the Worker sets no thinking level, so each decision is assumed to spend
 * this many thinking tokens; a decision's visible output is one function call.
 */
export const MODEL_ASSUMPTIONS = {
  charsPerToken: 4,
  thinkingTokensPerDecision: 1000,
  outputTokensPerDecision: 60,
  /** The empathy paragraph is capped at maxOutputTokens 200 (src/actions/empathy.ts); assume the cap. */
  outputTokensPerEmpathy: 200,
} as const;

/** US dollars for `units` of a priced item. */
export function usdFor(item: PricedItem, units: number): number {
  const p: Price = PRICES[item];
  return (units * p.usd) / p.per;
}

/** The price table as lines for the bench output. */
export function priceLines(): string[] {
  return Object.values(PRICES).map((p: Price) => `$${p.usd} per ${p.per === 1e6 ? "million" : p.per} ${p.unit}: ${p.item} (${p.source}, read ${p.read})`);
}

/**
 * @module test/fakes/stripe-store
 * The fake's Stripe objects: fixtures (`fixtures/stripe-objects.json` plus any `stripeObjects` passed to
 * `startFakeServer`) form a read-only base; each scope writes to its own overlay, consulted first. Reads are
 * cloned so a handler never mutates the base. `expand[]` resolves ids through the same store.
 */
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { StripeCollection, StripeObjectStore } from "./client.ts";
import { clone, isObj, type Obj } from "./http.ts";

/** The per-scope state the store writes to. */
interface OverlayHolder {
  overlay: Map<StripeCollection, Map<string, unknown>>;
}

export const COLLECTIONS: readonly StripeCollection[] = [
  "customers",
  "subscriptions",
  "payment_intents",
  "charges",
  "invoices",
  "invoice_payments",
  "paid_invoices",
  "coupons",
  "promotion_codes",
  "discounts",
  "billing_portal_sessions",
  "payment_methods",
  "prices",
  "products",
  "webhook_endpoints",
  "billing_portal_configurations",
  "checkout_sessions",
  "setup_intents",
];

export const ID_PREFIX_COLLECTION: ReadonlyArray<[string, StripeCollection]> = [
  ["cus_", "customers"],
  ["sub_", "subscriptions"],
  ["pi_", "payment_intents"],
  ["ch_", "charges"],
  ["py_", "charges"],
  ["in_", "invoices"],
  ["co_", "coupons"],
  ["promo_", "promotion_codes"],
  ["di_", "discounts"],
  ["bps_", "billing_portal_sessions"],
  ["pm_", "payment_methods"],
  ["price_", "prices"],
  ["prod_", "products"],
  ["cs_", "checkout_sessions"],
  ["seti_", "setup_intents"],
];

export const SINGULAR: Record<string, string> = {
  customers: "customer",
  subscriptions: "subscription",
  payment_intents: "payment_intent",
  charges: "charge",
  invoices: "invoice",
  coupons: "coupon",
  promotion_codes: "promotion_code",
  discounts: "discount",
  payment_methods: "payment_method",
  prices: "price",
  products: "product",
};

function loadFixtureFile(): StripeObjectStore {
  const candidates: string[] = [];
  try {
    candidates.push(fileURLToPath(new URL("../../fixtures/stripe-objects.json", import.meta.url).href));
  } catch {
    /* import.meta.url not a file URL */
  }
  candidates.push(`${process.cwd()}/fixtures/stripe-objects.json`);
  for (const file of candidates) {
    if (!existsSync(file)) continue;
    try {
      const parsed: unknown = JSON.parse(readFileSync(file, "utf8"));
      return isObj(parsed) ? (parsed as StripeObjectStore) : {};
    } catch (err) {
      console.warn(`[fake] could not read ${file}: ${String(err)}`);
      return {};
    }
  }
  return {};
}

/** Stripe lists are newest first; stable sort by `created` desc (entries without `created` keep their place). */
export function newestFirst(data: unknown[]): unknown[] {
  return data
    .map((x, i) => ({ x, i }))
    .sort((a, b) => {
      const ca = isObj(a.x) && typeof a.x.created === "number" ? a.x.created : null;
      const cb = isObj(b.x) && typeof b.x.created === "number" ? b.x.created : null;
      return ca !== null && cb !== null && ca !== cb ? cb - ca : a.i - b.i;
    })
    .map((e) => e.x);
}

export function applyMetadata(target: Obj, md: unknown): void {
  if (md === undefined) return;
  if (md === "" || md === null) {
    target.metadata = {};
    return;
  }
  if (!isObj(md)) return;
  const cur: Obj = isObj(target.metadata) ? { ...target.metadata } : {};
  for (const [k, v] of Object.entries(md)) {
    if (v === "" || v === null) delete cur[k];
    else cur[k] = String(v);
  }
  target.metadata = cur;
}

/** Reads and writes Stripe objects of one server, per scope. */
export interface StripeStore {
  getObj<T = Obj>(scope: string, coll: StripeCollection, id: string): T | undefined;
  putObj(scope: string, coll: StripeCollection, id: string, value: unknown): void;
  allIds(scope: string, coll: StripeCollection): string[];
  /** Applies `params.expand` (dotted paths) to `obj`. */
  expand(scope: string, obj: unknown, params: Obj): unknown;
}

/** Creates the store over the fixture base; `state` gives the scope's overlay. */
export function createStripeStore(state: (scope: string) => OverlayHolder, stripeObjects?: StripeObjectStore): StripeStore {
  const base = new Map<StripeCollection, Map<string, unknown>>();
  for (const c of COLLECTIONS) base.set(c, new Map());
  for (const src of [loadFixtureFile(), stripeObjects ?? {}]) {
    for (const [coll, objs] of Object.entries(src)) {
      const target = base.get(coll as StripeCollection);
      if (!target || !isObj(objs)) continue;
      for (const [id, v] of Object.entries(objs)) target.set(id, v);
    }
  }

  function getObj<T = Obj>(scope: string, coll: StripeCollection, id: string): T | undefined {
    const ov = state(scope).overlay.get(coll);
    if (ov?.has(id)) return clone(ov.get(id)) as T;
    const b = base.get(coll)?.get(id);
    return b === undefined ? undefined : (clone(b) as T);
  }

  function putObj(scope: string, coll: StripeCollection, id: string, value: unknown): void {
    const s = state(scope);
    let ov = s.overlay.get(coll);
    if (!ov) s.overlay.set(coll, (ov = new Map()));
    ov.set(id, clone(value));
  }

  function allIds(scope: string, coll: StripeCollection): string[] {
    const ids = new Set<string>(base.get(coll)?.keys() ?? []);
    for (const id of state(scope).overlay.get(coll)?.keys() ?? []) ids.add(id);
    return [...ids];
  }

  function resolveId(scope: string, id: string): unknown {
    for (const [prefix, coll] of ID_PREFIX_COLLECTION) {
      if (id.startsWith(prefix)) return getObj(scope, coll, id);
    }
    return getObj(scope, "coupons", id);
  }

  function expandPath(scope: string, value: unknown, segs: string[]): unknown {
    if (Array.isArray(value)) return value.map((v) => expandPath(scope, v, segs));
    let v = value;
    if (typeof v === "string") v = resolveId(scope, v) ?? v;
    if (segs.length === 0 || !isObj(v)) return v;
    const [head, ...rest] = segs as [string, ...string[]];
    if (!(head in v)) return v;
    return { ...v, [head]: expandPath(scope, v[head], rest) };
  }

  function expand(scope: string, obj: unknown, params: Obj): unknown {
    const ex: unknown = params.expand;
    const paths = Array.isArray(ex) ? ex.filter((x): x is string => typeof x === "string") : typeof ex === "string" ? [ex] : [];
    let out = obj;
    for (const p of paths) {
      if (!isObj(out)) break;
      const [head, ...rest] = p.split(".") as [string, ...string[]];
      if (head in out) out = { ...out, [head]: expandPath(scope, out[head], rest) };
    }
    return out;
  }

  return { getObj, putObj, allIds, expand };
}

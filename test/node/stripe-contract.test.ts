/**
 * Contract test: our Stripe fixtures, and the objects the fake Stripe serves, against the `stripe` package's own
 * TypeScript types (API version `Stripe.API_VERSION` of the installed stripe-node).
 *
 * Each JSON document becomes one small virtual TypeScript file, `export const value: <Stripe type> = <the JSON as an
 * object literal>;`, and all of them are compiled in ONE `ts.Program` against node_modules/stripe's .d.ts. Object
 * literals get TypeScript's excess-property check, so a field the type does not know (a misspelling, a field of an
 * older API version, `invoice` on a PaymentIntent) is an error, as is a wrong type or a missing required field.
 *
 * What the types cannot say, and we assert besides:
 * - webhook payloads carry no includable fields: an event's Invoice has no `payments` list (`Webhook<T>` below);
 * - current-shape events carry `api_version` = the package's version; the `*-old-shape-*` files carry an older one.
 *
 * The allow-list ("The allow-list" below) holds what Stripe sends but the types omit. Each entry says why, and each
 * must still be needed: an entry nothing needs fails the test, so the list stays short. Deliberately broken
 * documents (a webhook invoice with `payments`, a misspelled field, a wrong type...) must fail the check.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FakeServer, startFakeServer } from "../fakes/server.ts";

const ROOT = resolve(import.meta.dirname, "../..");
const EVENTS_DIR = join(ROOT, "fixtures/events");
const STORE_FILE = join(ROOT, "fixtures/stripe-objects.json");
/** Virtual files live (only in memory) next to this test, so `import ... from "stripe"` resolves to node_modules. */
const VDIR = join(ROOT, "test/node/__stripe_contract__");

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

function isObject(v: Json | undefined): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function readJson(file: string): Json {
  return JSON.parse(readFileSync(file, "utf8")) as Json;
}

function apiVersion(): string {
  const text = readFileSync(join(ROOT, "node_modules/stripe/esm/apiVersion.d.ts"), "utf8");
  const m = /ApiVersion\s*=\s*"([^"]+)"/.exec(text);
  if (!m?.[1]) throw new Error("cannot read ApiVersion from node_modules/stripe/esm/apiVersion.d.ts");
  return m[1];
}
const API_VERSION = apiVersion();

// ---------------------------------------------------------------------------------------------------------------
// The allow-list: what Stripe sends but the stripe-node types omit (or type differently). Keep it short; each entry
// says why, and each must still be needed (the last tests fail when an entry no longer matches anything).
//
// 1. `total_count` on embedded lists (ALLOW below; the field is removed before the check).
// 2. `*_decimal` fields are strings on the wire; the types say `Stripe.Decimal`, the class the SDK converts them to
//    (`Wire<T>` in the prelude maps Decimal to string, everywhere).
// 3. `previous_attributes` holds only the changed keys of nested objects too; the types say one-level Partial<T>
//    (`Changed<T>` in the prelude).
// 4. Older API versions (the `*-old-shape-*` fixtures, 2024-06-20): no types for them are installed, so the old
//    shape is the current type, deep-partial (fields may have been added since), plus the fields basil
//    (2025-03-31) removed, typed as 2024-06-20 sent them (`OldInvoice`, `OldPaymentIntent`, `OldCharge`).
// Not Stripe's doing but ours: the fake's short paid-invoice records and the objects the fake builds itself are
// checked as `Changed<T>` too (fields may be missing; those present must be real and rightly typed).

interface Allowance {
  /** Field name removed where `where` matches the object holding it. */
  field: string;
  where: (holder: JsonObject) => boolean;
  why: string;
}

const ALLOW: readonly Allowance[] = [
  {
    // Stripe's list objects embedded in another object (`lines` on an invoice, `items` on a subscription) carry
    // `total_count`; stripe-node's `ApiList<T>` has only object/data/has_more/url.
    field: "total_count",
    where: (holder) => holder.object === "list",
    why: "embedded lists carry total_count; ApiList<T> omits it",
  },
];

/** Entries 2-4 of the allow-list, each with a predicate saying that some fixture still needs it. */
const TYPE_LEVEL_ALLOWANCES: ReadonlyArray<{ name: string; needed: (events: readonly Json[]) => boolean }> = [
  { name: "Wire<T>: *_decimal fields are strings", needed: (events) => events.some((e) => someField(e, (k, v) => k.endsWith("_decimal") && typeof v === "string")) },
  {
    name: "Changed<T>: previous_attributes with a partial nested object",
    needed: (events) => events.some((e) => isObject(e) && isObject(e.data) && isObject(e.data.previous_attributes) && Object.values(e.data.previous_attributes).some((v) => isObject(v))),
  },
  { name: "old-shape types for api_version 2024-06-20", needed: (events) => events.some((e) => isObject(e) && typeof e.api_version === "string" && OLD_SHAPE_API_VERSIONS.has(e.api_version)) },
];

function someField(v: Json, test: (key: string, value: Json) => boolean): boolean {
  if (Array.isArray(v)) return v.some((x) => someField(x, test));
  if (!isObject(v)) return false;
  return Object.entries(v).some(([k, x]) => test(k, x) || someField(x, test));
}

/** Older API versions we still accept: the `*-old-shape-*` fixtures (before 2025-03-31.basil). */
const OLD_SHAPE_API_VERSIONS = new Set(["2024-06-20"]);

// ---------------------------------------------------------------------------------------------------------------
// Types used by the virtual files.

const PRELUDE = `
import type Stripe from "stripe";

/**
 * JSON as it travels. stripe-node 23 types \`*_decimal\` fields as its \`Stripe.Decimal\` class (the SDK converts
 * API responses); on the wire, and in a webhook body we JSON.parse, they are decimal strings.
 */
export type Wire<T> = T extends Stripe.Decimal
  ? string
  : T extends readonly (infer U)[]
    ? Wire<U>[]
    : T extends object
      ? { [K in keyof T]: Wire<T[K]> }
      : T;

/** Every event type's own interface, picked by its \`type\`. */
export type EventOf<T extends Stripe.Event.Type> = Extract<Stripe.Event, { type: T }>;

/** Webhook payloads never carry includable fields: an invoice in an event has no \`payments\` list. */
export type Webhook<T> = T extends Stripe.Invoice ? Omit<T, "payments"> : T;

/**
 * \`previous_attributes\` holds only what changed, nested objects included (Stripe sends e.g.
 * {"invoice_settings": {"default_payment_method": "pm_..."}}); arrays are sent whole. The types say
 * Partial<T> (one level), so nested objects are made partial here; arrays stay as typed. A key that did not exist
 * before the change (a metadata key just added) is sent as null.
 */
export type Changed<T> = T extends readonly unknown[] ? T : T extends object ? { [K in keyof T]?: Changed<T[K]> } : T | null;

/** The event envelope, with the data object as a webhook sends it. */
export type WebhookEvent<T extends Stripe.Event.Type, O = EventOf<T>["data"]["object"]> = Wire<
  Omit<EventOf<T>, "data"> & { data: { object: Webhook<O>; previous_attributes?: Changed<O> } }
>;

// ---- Older API versions (before 2025-03-31.basil), for the *-old-shape-* fixtures. ----
// No stripe-node types for 2024-06-20 are installed. An old payload is checked as: every current field may be
// missing at any depth (it may have been added since), a field that is present has its current type, plus the
// fields basil removed (stripe-node 18.0.0 changelog), typed as the 2024-06-20 API sent them. Unknown fields fail.

interface TaxAmount { amount: number; inclusive: boolean; tax_rate: string; taxability_reason: string | null; taxable_amount: number | null }

/** Invoice fields basil removed. */
interface InvoiceRemovedByBasil {
  application_fee_amount: number | null;
  charge: string | null;
  discount: Stripe.Discount | null;
  paid: boolean;
  paid_out_of_band: boolean;
  payment_intent: string | null;
  quote: string | null;
  subscription: string | null;
  subscription_details: { metadata: Stripe.Metadata | null } | null;
  tax: number | null;
  total_tax_amounts: TaxAmount[];
  transfer_data: { amount: number | null; destination: string } | null;
}
/** Invoice line fields basil removed (price/plan became pricing/parent). */
interface LineRemovedByBasil {
  amount_excluding_tax: number | null;
  discount_amounts: Array<{ amount: number; discount: string }>;
  plan: Stripe.Plan | null;
  price: Stripe.Price | null;
  proration: boolean;
  proration_details: { credited_items: { invoice: string; invoice_line_items: string[] } | null } | null;
  subscription: string | null;
  subscription_item: string | null;
  tax_amounts: TaxAmount[];
  tax_rates: Stripe.TaxRate[];
  type: "invoiceitem" | "subscription";
  unit_amount_excluding_tax: string | null;
}
type Older<T> = Changed<Wire<T>>;
export type OldInvoiceLine = Older<Omit<Stripe.InvoiceLineItem, keyof LineRemovedByBasil>> & Wire<LineRemovedByBasil>;
export type OldInvoice = Older<Omit<Stripe.Invoice, "lines" | "payments" | keyof InvoiceRemovedByBasil>> &
  Wire<InvoiceRemovedByBasil> & { lines: { object: "list"; data: OldInvoiceLine[]; has_more: boolean; url: string } };
/** PaymentIntent/Charge named their invoice before basil. */
export type OldPaymentIntent = Older<Stripe.PaymentIntent> & { invoice: string | null };
export type OldCharge = Older<Stripe.Charge> & { invoice: string | null };

export type OldWebhookEvent<T extends Stripe.Event.Type, O> = Wire<Omit<EventOf<T>, "data">> & {
  data: { object: O; previous_attributes?: Changed<O> };
};
`;

/** The Stripe type of a stored object, by its `object` field. */
const OBJECT_TYPES: Record<string, string> = {
  charge: "Stripe.Charge",
  customer: "Stripe.Customer",
  invoice: "Stripe.Invoice",
  invoice_payment: "Stripe.InvoicePayment",
  payment_intent: "Stripe.PaymentIntent",
  payment_method: "Stripe.PaymentMethod",
  price: "Stripe.Price",
  product: "Stripe.Product",
  subscription: "Stripe.Subscription",
};

const OLD_OBJECT_TYPES: Record<string, string> = {
  invoice: "OldInvoice",
  payment_intent: "OldPaymentIntent",
  charge: "OldCharge",
};

// ---------------------------------------------------------------------------------------------------------------
// Building and checking the virtual program.

interface Doc {
  /** Shown in failures: fixture file name, or store path. */
  name: string;
  /** TypeScript type expression the value must satisfy. */
  type: string;
  value: Json;
}

/** Applies ALLOW to a copy of the value; counts uses per entry. */
function applyAllowances(value: Json, used: Map<Allowance, number>): Json {
  if (Array.isArray(value)) return value.map((v) => applyAllowances(v, used));
  if (!isObject(value)) return value;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(value)) {
    const allowance = ALLOW.find((a) => a.field === k && a.where(value));
    if (allowance) {
      used.set(allowance, (used.get(allowance) ?? 0) + 1);
      continue;
    }
    out[k] = applyAllowances(v, used);
  }
  return out;
}

function eventType(doc: Json, name: string): { type: string; oldShape: boolean; objectKind: string } {
  if (!isObject(doc) || typeof doc.type !== "string" || !isObject(doc.data) || !isObject(doc.data.object)) throw new Error(`${name}: not an event`);
  const kind = doc.data.object.object;
  if (typeof kind !== "string") throw new Error(`${name}: data.object has no object field`);
  const oldShape = typeof doc.api_version === "string" && OLD_SHAPE_API_VERSIONS.has(doc.api_version);
  return { type: doc.type, oldShape, objectKind: kind };
}

/** The type an event document must satisfy. */
function eventTypeExpr(doc: Json, name: string): string {
  const { type, oldShape, objectKind } = eventType(doc, name);
  if (!oldShape) return `WebhookEvent<${JSON.stringify(type)}>`;
  const old = OLD_OBJECT_TYPES[objectKind];
  if (!old) throw new Error(`${name}: no old-shape type for ${objectKind}`);
  return `OldWebhookEvent<${JSON.stringify(type)}, ${old}>`;
}

interface Finding {
  doc: string;
  message: string;
  /** The generated line the diagnostic points at (usually the JSON key). */
  at: string;
}

interface Checked {
  findings: Finding[];
  used: Map<Allowance, number>;
}

const COMPILER_OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2023,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  lib: ["lib.es2023.d.ts"],
  types: [],
  strict: true,
  exactOptionalPropertyTypes: false,
  skipLibCheck: true,
  noEmit: true,
};

/** Type-checks all documents in one program; returns the diagnostics of the virtual files. */
function typeCheck(docs: readonly Doc[]): Checked {
  const used = new Map<Allowance, number>();
  const files = new Map<string, { text: string; doc: string }>();
  files.set(join(VDIR, "prelude.ts"), { text: PRELUDE, doc: "(prelude)" });
  docs.forEach((d, i) => {
    const value = applyAllowances(d.value, used);
    const text = `import type Stripe from "stripe";\nimport type * as P from "./prelude";\nexport const value: ${qualify(d.type)} = ${JSON.stringify(value, null, 2)};\n`;
    files.set(join(VDIR, `doc${String(i).padStart(3, "0")}.ts`), { text, doc: d.name });
  });

  const host = ts.createCompilerHost(COMPILER_OPTIONS, true);
  const getSourceFile = host.getSourceFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  const readFile = host.readFile.bind(host);
  host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) => {
    const v = files.get(resolve(fileName));
    return v ? ts.createSourceFile(fileName, v.text, languageVersion, true) : getSourceFile(fileName, languageVersion, onError, shouldCreate);
  };
  host.fileExists = (fileName) => files.has(resolve(fileName)) || fileExists(fileName);
  host.readFile = (fileName) => files.get(resolve(fileName))?.text ?? readFile(fileName);
  const directoryExists = host.directoryExists?.bind(host);
  host.directoryExists = (dir) => resolve(dir) === VDIR || (directoryExists ? directoryExists(dir) : true);

  const program = ts.createProgram({ rootNames: [...files.keys()], options: COMPILER_OPTIONS, host });
  const findings: Finding[] = [];
  for (const sf of program.getSourceFiles()) {
    const v = files.get(resolve(sf.fileName));
    if (!v) continue;
    for (const d of [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)]) {
      const line = d.start === undefined ? "" : (sf.text.split("\n")[sf.getLineAndCharacterOfPosition(d.start).line] ?? "").trim();
      findings.push({ doc: v.doc, message: ts.flattenDiagnosticMessageText(d.messageText, "\n"), at: line });
    }
  }
  for (const d of program.getGlobalDiagnostics()) findings.push({ doc: "(global)", message: ts.flattenDiagnosticMessageText(d.messageText, "\n"), at: "" });
  return { findings, used };
}

/** Prelude types are referenced as P.X in the virtual files. */
function qualify(typeExpr: string): string {
  return typeExpr.replace(/\b(WebhookEvent|OldWebhookEvent|OldInvoice|OldPaymentIntent|OldCharge|Webhook|Changed|EventOf|Wire)\b/g, "P.$1");
}

function report(findings: readonly Finding[]): string {
  return findings.map((f) => `${f.doc}: ${f.message.split("\n").slice(0, 3).join(" / ")}\n    at: ${f.at}`).join("\n");
}

// ---------------------------------------------------------------------------------------------------------------
// The documents.

const fixtureFiles = readdirSync(EVENTS_DIR).filter((f) => f.endsWith(".json")).sort();
const fixtureDocs: Doc[] = fixtureFiles.map((f) => {
  const value = readJson(join(EVENTS_DIR, f));
  return { name: `fixtures/events/${f}`, type: eventTypeExpr(value, f), value };
});

/** fixtures/stripe-objects.json, the fake's seeded store, as the API returns each object (current shape). */
function storeDocs(): Doc[] {
  const store = readJson(STORE_FILE);
  if (!isObject(store)) throw new Error("stripe-objects.json is not an object");
  const docs: Doc[] = [];
  for (const [coll, objs] of Object.entries(store)) {
    if (coll === "_comment" || !isObject(objs)) continue;
    for (const [id, v] of Object.entries(objs)) {
      const items = Array.isArray(v) ? v : [v];
      items.forEach((item, i) => {
        const name = `stripe-objects.json ${coll}.${id}${Array.isArray(v) ? `[${i}]` : ""}`;
        const kind = isObject(item) ? item.object : undefined;
        const stripeType = typeof kind === "string" ? OBJECT_TYPES[kind] : undefined;
        const type = stripeType && `Wire<${stripeType}>`;
        if (!type) throw new Error(`${name}: no Stripe type for object ${String(kind)}`);
        // paid_invoices are the short invoice records the fake lists from GET /v1/invoices: checked for
        // wrong and unknown fields, not for completeness.
        docs.push({ name, type: coll === "paid_invoices" ? `Changed<${type}>` : type, value: item });
      });
    }
  }
  return docs;
}

/**
 * What the fake Stripe (test/fakes/server.ts) serves from its routes, including the objects it builds itself:
 * the invoice after `POST /v1/invoices/:id/pay`, the PaymentIntent after `/confirm` and the charge it creates,
 * a subscription after a discount update, `GET /v1/invoice_payments` and `GET /v1/invoices` lists.
 * Objects the fake builds (rather than serves from the seeded store) are minimal: they are checked as
 * `Changed<...>` (any field may be missing), so a field they DO send must exist and have its real type.
 */
async function fakeDocs(fake: FakeServer, store: JsonObject): Promise<Doc[]> {
  const key = "sk_test_stripe_contract";
  async function call(method: "GET" | "POST", path: string, form?: Record<string, string>): Promise<Json> {
    const res = await fetch(`${fake.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(form ? { "content-type": "application/x-www-form-urlencoded" } : {}) },
      ...(form ? { body: new URLSearchParams(form).toString() } : {}),
    });
    const body = (await res.json()) as Json;
    if (!res.ok) throw new Error(`fake ${method} ${path}: ${res.status} ${JSON.stringify(body)}`);
    return body;
  }
  const pick = (coll: string, test: (o: JsonObject) => boolean): string => {
    const objs = store[coll];
    const hit = isObject(objs) ? Object.entries(objs).find(([, o]) => isObject(o) && test(o)) : undefined;
    if (!hit) throw new Error(`no ${coll} for the fake check`);
    return hit[0];
  };
  const customer = pick("customers", () => true);
  const subscription = pick("subscriptions", (o) => o.status === "past_due");
  const openInvoice = pick("invoices", (o) => o.status === "open");
  const failedPi = pick("payment_intents", (o) => o.status === "requires_payment_method");

  const docs: Doc[] = [
    { name: "fake GET /v1/customers/:id", type: "Wire<Stripe.Customer>", value: await call("GET", `/v1/customers/${customer}`) },
    { name: "fake GET /v1/subscriptions/:id", type: "Wire<Stripe.Subscription>", value: await call("GET", `/v1/subscriptions/${subscription}`) },
    { name: "fake GET /v1/invoices/:id", type: "Wire<Stripe.Invoice>", value: await call("GET", `/v1/invoices/${openInvoice}`) },
    { name: "fake GET /v1/payment_intents/:id", type: "Wire<Stripe.PaymentIntent>", value: await call("GET", `/v1/payment_intents/${failedPi}`) },
    { name: "fake GET /v1/invoice_payments?invoice=", type: "Wire<Stripe.ApiList<Stripe.InvoicePayment>>", value: await call("GET", `/v1/invoice_payments?invoice=${openInvoice}`) },
    {
      name: "fake GET /v1/invoice_payments?payment[payment_intent]=",
      type: "Wire<Stripe.ApiList<Stripe.InvoicePayment>>",
      value: await call("GET", `/v1/invoice_payments?payment[type]=payment_intent&payment[payment_intent]=${failedPi}`),
    },
    { name: "fake GET /v1/invoices?customer=&status=paid", type: "Wire<Stripe.ApiList<Changed<Stripe.Invoice>>>", value: await call("GET", `/v1/invoices?customer=${customer}&status=paid&limit=100`) },
  ];
  const confirmed = await call("POST", `/v1/payment_intents/${failedPi}/confirm`);
  docs.push({ name: "fake POST /v1/payment_intents/:id/confirm", type: "Changed<Wire<Stripe.PaymentIntent>>", value: confirmed });
  const charge = isObject(confirmed) ? confirmed.latest_charge : null;
  if (typeof charge === "string") docs.push({ name: "fake GET /v1/charges/:id (built on confirm)", type: "Changed<Wire<Stripe.Charge>>", value: await call("GET", `/v1/charges/${charge}`) });
  docs.push({ name: "fake POST /v1/invoices/:id/pay", type: "Changed<Wire<Stripe.Invoice>>", value: await call("POST", `/v1/invoices/${openInvoice}/pay`) });
  docs.push({ name: "fake GET /v1/invoices?customer= after pay", type: "Wire<Stripe.ApiList<Changed<Stripe.Invoice>>>", value: await call("GET", `/v1/invoices?customer=${customer}&limit=100`) });
  const coupon = await call("POST", "/v1/coupons", { percent_off: "20", duration: "once" });
  const couponId = isObject(coupon) && typeof coupon.id === "string" ? coupon.id : "";
  docs.push({
    name: "fake POST /v1/subscriptions/:id (discounts)",
    type: "Changed<Wire<Stripe.Subscription>>",
    value: await call("POST", `/v1/subscriptions/${subscription}`, { "discounts[0][coupon]": couponId }),
  });
  return docs;
}

// ---------------------------------------------------------------------------------------------------------------
// Deliberately broken documents: each must fail the check.

function brokenDocs(): Array<Doc & { expect: RegExp }> {
  const invoiceEvent = readJson(join(EVENTS_DIR, "01-olivia-invoice-payment-failed-insufficient-funds.json"));
  const piEvent = readJson(join(EVENTS_DIR, "02-olivia-payment-intent-failed-insufficient-funds.json"));
  if (!isObject(invoiceEvent) || !isObject(invoiceEvent.data) || !isObject(invoiceEvent.data.object)) throw new Error("fixture 01");
  if (!isObject(piEvent) || !isObject(piEvent.data) || !isObject(piEvent.data.object)) throw new Error("fixture 02");
  const inv = invoiceEvent.data.object;
  const pi = piEvent.data.object;
  const oldEvent = readJson(join(EVENTS_DIR, "10-lukas-old-shape-invoice-payment-failed-expired-card-eur.json"));
  if (!isObject(oldEvent) || !isObject(oldEvent.data) || !isObject(oldEvent.data.object)) throw new Error("fixture 10");
  const oldInvoice = oldEvent.data.object;
  const oldWith = (extra: JsonObject): JsonObject => ({ ...oldEvent, data: { object: { ...oldInvoice, ...extra } } });
  const withObject = (event: JsonObject, object: JsonObject): JsonObject => ({ ...event, data: { ...(isObject(event.data) ? event.data : {}), object } });
  const payments: Json = {
    object: "list",
    data: [],
    has_more: false,
    url: `/v1/invoices/${String(inv.id)}/payments`,
  };
  return [
    { name: "broken: invoice event with payments", type: "WebhookEvent<\"invoice.payment_failed\">", value: withObject(invoiceEvent, { ...inv, payments }), expect: /'"?payments"?' does not exist/ },
    { name: "broken: misspelled field", type: "WebhookEvent<\"invoice.payment_failed\">", value: withObject(invoiceEvent, { ...inv, attempt_cont: 1 }), expect: /'"?attempt_cont"?' does not exist/ },
    { name: "broken: wrong type", type: "WebhookEvent<\"invoice.payment_failed\">", value: withObject(invoiceEvent, { ...inv, amount_due: "4900" }), expect: /Type 'string' is not assignable to type 'number'/ },
    {
      name: "broken: missing required field",
      type: "WebhookEvent<\"invoice.payment_failed\">",
      value: withObject(invoiceEvent, { ...inv, status_transitions: { finalized_at: 1795003200, paid_at: null } }),
      expect: /missing the following properties|is missing in type/,
    },
    { name: "broken: PaymentIntent names its invoice", type: "WebhookEvent<\"payment_intent.payment_failed\">", value: withObject(piEvent, { ...pi, invoice: "in_1Q3TpTQ9RKHgCVdKBBbWnl3O" }), expect: /'"?invoice"?' does not exist/ },
    { name: "broken: old-shape field on current invoice", type: "WebhookEvent<\"invoice.payment_failed\">", value: withObject(invoiceEvent, { ...inv, payment_intent: "pi_3xauYkQ9RKHgCVdKy5p87Txi" }), expect: /'"?payment_intent"?' does not exist/ },
    { name: "broken: old-shape invoice with a misspelled field", type: "OldWebhookEvent<\"invoice.payment_failed\", OldInvoice>", value: oldWith({ paid_out_of_bnd: false }), expect: /'"?paid_out_of_bnd"?' does not exist/ },
    { name: "broken: old-shape invoice with payments", type: "OldWebhookEvent<\"invoice.payment_failed\", OldInvoice>", value: oldWith({ payments }), expect: /'"?payments"?' does not exist/ },
    { name: "broken: partial (fake-built) charge naming its invoice", type: "Changed<Wire<Stripe.Charge>>", value: { id: "ch_x", object: "charge", invoice: "in_x" }, expect: /'"?invoice"?' does not exist/ },
    { name: "broken: object does not match event type", type: "WebhookEvent<\"invoice.payment_failed\">", value: withObject(invoiceEvent, pi), expect: /./ },
  ];
}

// ---------------------------------------------------------------------------------------------------------------

describe("Stripe contract: fixtures and the fake's objects against the stripe package's types", () => {
  let checked: Checked;
  const broken = brokenDocs();
  const store = storeDocs();
  let fake: FakeServer | undefined;
  let served: Doc[] = [];

  beforeAll(async () => {
    fake = await startFakeServer(0);
    const storeJson = readJson(STORE_FILE);
    served = await fakeDocs(fake, isObject(storeJson) ? storeJson : {});
    checked = typeCheck([...fixtureDocs, ...store, ...served, ...broken]);
  });

  afterAll(async () => {
    await fake?.close();
  });

  const findingsFor = (docs: readonly Doc[]): string => {
    const names = new Set(docs.map((d) => d.name));
    return report(checked.findings.filter((f) => names.has(f.doc)));
  };

  it("compiles the prelude", () => {
    expect(report(checked.findings.filter((f) => f.doc === "(prelude)" || f.doc === "(global)"))).toBe("");
  });

  it("every event fixture matches its event type (envelope and data.object)", () => {
    expect(fixtureDocs.length).toBeGreaterThan(30);
    expect(findingsFor(fixtureDocs)).toBe("");
  });

  it("every object in fixtures/stripe-objects.json (the fake's seeded store) matches its Stripe type", () => {
    expect(findingsFor(store)).toBe("");
  });

  it("what the fake Stripe serves and builds matches the Stripe types", () => {
    expect(served.length).toBeGreaterThan(8);
    expect(findingsFor(served)).toBe("");
  });

  it("each deliberately broken document fails the check", () => {
    for (const b of broken) {
      const mine = checked.findings.filter((f) => f.doc === b.name);
      expect(mine.length, `${b.name} passed the check`).toBeGreaterThan(0);
      expect(mine.map((f) => f.message).join("\n"), b.name).toMatch(b.expect);
    }
  });

  it("every allow-list entry is still needed", () => {
    for (const a of ALLOW) expect(checked.used.get(a) ?? 0, `${a.field}: ${a.why}`).toBeGreaterThan(0);
    const events = fixtureDocs.map((d) => d.value);
    for (const t of TYPE_LEVEL_ALLOWANCES) expect(t.needed(events), t.name).toBe(true);
  });

  it("current-shape fixtures carry the package's API version; *-old-shape-* fixtures an older, supported one", () => {
    for (const f of fixtureFiles) {
      const doc = readJson(join(EVENTS_DIR, f));
      const v = isObject(doc) ? doc.api_version : null;
      if (f.includes("-old-shape-")) expect(OLD_SHAPE_API_VERSIONS.has(String(v)), f).toBe(true);
      else expect(v, f).toBe(API_VERSION);
    }
  });
});

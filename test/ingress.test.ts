import { describe, expect, it, beforeAll, vi } from "vitest";
import { createApp } from "../src/http/app.ts";
import { env, envWith, migrate, recordingQueue, uid } from "./helpers/env.ts";
import { invoiceEvent, PRIMARY_SECRET, ROTATED_SECRET, signatureHeader, signedRequest } from "./helpers/stripe-events.ts";
import type { DunningJob } from "../src/queue/messages.ts";

const app = createApp();

/** Calls the app with the real KV and a recording queue; returns the response, what was enqueued and the KV key. */
async function deliver(req: Request, options: { failQueue?: boolean; overrides?: Record<string, unknown> } = {}) {
  const q = recordingQueue({ fail: options.failQueue });
  const res = await app.fetch(req, envWith({ DUNNING_QUEUE: q.queue, ...(options.overrides ?? {}) }));
  return { res, sent: q.sent as DunningJob[] };
}

function failedEvent() {
  const id = uid();
  return invoiceEvent({ eventId: `evt_${id}`, customerId: `cus_${id}`, invoiceId: `in_${id}`, paymentIntentId: `pi_${id}`, amount: 4900, currency: "usd" });
}

async function kvHas(eventId: string) {
  return (await env.BILLING_KV.get(`evt:${eventId}`)) !== null;
}

async function ledgerHas(eventId: string) {
  return (await env.LEDGER.prepare("SELECT id FROM events WHERE id = ?1").bind(eventId).first()) !== null;
}

beforeAll(migrate);

describe("POST /webhooks/stripe", () => {
  it("accepts a valid event, enqueues its normalized context once and records the dedup key", async () => {
    const ev = failedEvent();
    const { res, sent } = await deliver(await signedRequest(ev));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ received: true });
    expect(sent).toHaveLength(1);
    const job = sent[0];
    expect(job?.kind).toBe("event");
    if (job?.kind !== "event") throw new Error("not an event job");
    expect(job.context).toMatchObject({
      eventId: ev.id,
      eventType: "invoice.payment_failed",
      customerId: (ev.data as { object: { customer: string } }).object.customer,
      amountDue: 4900,
      currency: "usd",
      attemptCount: 1,
      planTier: null,
    });
    // The current shape names no PaymentIntent on the invoice (no `payments` in webhooks): linked later by the consumer.
    expect(job.context.invoicePaymentIntentIds).toEqual([]);
    expect(await kvHas(ev.id as string)).toBe(true);
  });

  it("accepts an event signed with a rotated secret (any configured secret verifies)", async () => {
    const ev = failedEvent();
    const { res, sent } = await deliver(await signedRequest(ev, { secret: ROTATED_SECRET }));
    expect(res.status).toBe(200);
    expect(sent).toHaveLength(1);
  });

  it("refuses a correctly signed timestamp more than 300 s in the future (logged as future_signature); 200 s ahead is accepted", async () => {
    const warn = vi.spyOn(console, "warn");
    try {
      // Just past the limit (a few seconds of margin for a loaded machine), and far past it.
      for (const ahead of [305, 3600]) {
        const ev = failedEvent();
        const { res, sent } = await deliver(await signedRequest(ev, { timestamp: Math.floor(Date.now() / 1000) + ahead }));
        expect(res.status, `${ahead} s ahead`).toBe(400);
        expect(await res.text()).toBe("Signature timestamp is in the future");
        expect(sent).toHaveLength(0);
        expect(await kvHas(ev.id as string)).toBe(false);
      }
      const logged = warn.mock.calls.map((args) => JSON.parse(String(args[0])) as Record<string, unknown>);
      expect(logged.filter((l) => l.msg === "ingress.reject" && l.reason === "future_signature")).toHaveLength(2);
    } finally {
      warn.mockRestore();
    }
    const ev = failedEvent();
    const { res, sent } = await deliver(await signedRequest(ev, { timestamp: Math.floor(Date.now() / 1000) + 200 }));
    expect(res.status).toBe(200);
    expect(sent).toHaveLength(1);
  });

  it("rejects a secret that is not configured", async () => {
    const ev = failedEvent();
    const { res, sent } = await deliver(await signedRequest(ev, { secret: "whsec_someone_else" }));
    expect(res.status).toBe(400);
    expect(await res.text()).toBe("Invalid signature");
    expect(sent).toHaveLength(0);
    expect(await kvHas(ev.id as string)).toBe(false);
  });

  const rejections: Array<[string, () => Promise<Request>, number, string]> = [
    [
      "missing signature",
      async () => new Request("http://x/webhooks/stripe", { method: "POST", body: JSON.stringify(failedEvent()) }),
      400,
      "Missing Stripe-Signature header",
    ],
    [
      "tampered body",
      async () => {
        const ev = failedEvent();
        const req = await signedRequest(ev);
        const header = req.headers.get("stripe-signature") ?? "";
        return new Request("http://x/webhooks/stripe", { method: "POST", headers: { "stripe-signature": header }, body: JSON.stringify({ ...ev, livemode: true }) });
      },
      400,
      "Invalid signature",
    ],
    ["stale signature (10 minutes old)", async () => signedRequest(failedEvent(), { timestamp: Math.floor(Date.now() / 1000) - 600 }), 400, "Signature timestamp outside the tolerance zone"],
    [
      "signed body that is not JSON",
      async () => {
        const body = "this is not json";
        return new Request("http://x/webhooks/stripe", { method: "POST", headers: { "stripe-signature": await signatureHeader(body, PRIMARY_SECRET) }, body });
      },
      400,
      "Body is not JSON",
    ],
    [
      "signed JSON that is not an event",
      async () => {
        const body = JSON.stringify({ id: "evt_x", object: "not_event" });
        return new Request("http://x/webhooks/stripe", { method: "POST", headers: { "stripe-signature": await signatureHeader(body, PRIMARY_SECRET) }, body });
      },
      400,
      "Body is not a Stripe event",
    ],
    [
      "body over 512 KiB",
      async () => {
        const ev = { ...failedEvent(), padding: "x".repeat(512 * 1024) };
        return signedRequest(ev);
      },
      413,
      "Body larger than 524288 bytes",
    ],
  ];

  for (const [name, build, status, message] of rejections) {
    it(`rejects ${name} with ${status}, no KV write, no enqueue, nothing in the ledger`, async () => {
      const req = await build();
      const text = await req.clone().text();
      const id = (() => {
        try {
          return (JSON.parse(text) as { id?: string }).id ?? null;
        } catch {
          return null;
        }
      })();
      const { res, sent } = await deliver(req);
      expect(res.status).toBe(status);
      expect(await res.text()).toBe(message);
      expect(sent).toHaveLength(0);
      if (id !== null) {
        expect(await kvHas(id)).toBe(false);
        expect(await ledgerHas(id)).toBe(false);
      }
    });
  }

  it("rejects an oversize body by Content-Length before reading it", async () => {
    const req = new Request("http://x/webhooks/stripe", { method: "POST", headers: { "content-length": String(600 * 1024), "stripe-signature": "t=1,v1=abc" }, body: "{}" });
    const { res, sent } = await deliver(req);
    expect(res.status).toBe(413);
    expect(sent).toHaveLength(0);
  });

  it("answers 405 to any method but POST", async () => {
    for (const method of ["GET", "PUT", "DELETE"]) {
      const { res } = await deliver(new Request("http://x/webhooks/stripe", { method }));
      expect(res.status).toBe(405);
      expect(res.headers.get("allow")).toBe("POST");
    }
  });

  it("acknowledges ignored types with 200 without enqueueing or recording them", async () => {
    const ev: Record<string, unknown> = { ...failedEvent(), type: "customer.created" };
    const { res, sent } = await deliver(await signedRequest(ev));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ received: true, ignored: true, reason: "ignored_type" });
    expect(sent).toHaveLength(0);
    expect(await kvHas(ev.id as string)).toBe(false);
  });

  it("5 sequential deliveries of one event enqueue it once; the rest answer duplicate", async () => {
    const ev = failedEvent();
    const q = recordingQueue();
    const e = envWith({ DUNNING_QUEUE: q.queue });
    const bodies = [];
    for (let i = 0; i < 5; i++) bodies.push(await (await app.fetch(await signedRequest(ev), e)).json());
    expect(q.sent).toHaveLength(1);
    expect(bodies.slice(1)).toEqual(Array(4).fill({ received: true, duplicate: true }));
  });

  it("a failed enqueue answers 500 and does not record the event, so Stripe's redelivery is accepted", async () => {
    const ev = failedEvent();
    const first = await deliver(await signedRequest(ev), { failQueue: true });
    expect(first.res.status).toBe(500);
    expect(await kvHas(ev.id as string)).toBe(false);
    const redelivery = await deliver(await signedRequest(ev));
    expect(redelivery.res.status).toBe(200);
    expect(await redelivery.res.json()).toEqual({ received: true });
    expect(redelivery.sent).toHaveLength(1);
  });

  it("without a configured secret, refuses with 500 instead of accepting unsigned data", async () => {
    const { res, sent } = await deliver(await signedRequest(failedEvent()), { overrides: { STRIPE_WEBHOOK_SECRET: "" } });
    expect(res.status).toBe(500);
    expect(sent).toHaveLength(0);
  });
});

describe("GET /healthz", () => {
  it("answers 200 with the version", async () => {
    const res = await app.fetch(new Request("http://x/healthz"), env);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true, version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
  });
});

// Bench-only Worker (bench/ingress-rps.ts): the storage floor of the ingress. Per request
// it does only what the ingress shape (KV dedup -> Queue) requires of any implementation: read the body,
// KV get `evt:{id}`, queue send of a message the size of our normalized context, KV put `evt:{id}` with the 7-day
// TTL. No signature check, no normalization, no logging. Same runtime, bindings and load generator as the real
// Worker; not part of the production bundle.
export default {
  async fetch(request, env) {
    const event = JSON.parse(await request.text());
    const key = `evt:${event.id}`;
    if ((await env.BILLING_KV.get(key)) !== null) return Response.json({ received: true, duplicate: true });
    await env.DUNNING_QUEUE.send({ kind: "event", id: event.id, pad: env.PAD, receivedAt: Date.now() });
    await env.BILLING_KV.put(key, "1", { expirationTtl: 604800 });
    return Response.json({ received: true });
  },
};

// Bench-only Worker (scripts/bench.ts): the floor for ingress throughput. Same runtime, same loopback and
// load generator as the real Worker, but the route does nothing. Not part of the production bundle.
export default { fetch: () => new Response("ok") };

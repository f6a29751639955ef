/** The bench's storage trace: round trips that overlap count once on the critical path. */
import { describe, expect, it } from "vitest";
import { criticalPath, traceStorage } from "../../src/ledger/simulated-latency.ts";

describe("critical path of storage round trips", () => {
  it("counts sequential round trips, and parallel ones once", () => {
    expect(criticalPath([])).toBe(0);
    expect(criticalPath([[0, 10], [10, 20], [20, 30]])).toBe(3); // one after another
    expect(criticalPath([[0, 10], [0, 10], [1, 11], [11, 21]])).toBe(2); // three reads together, then one write
  });

  it("a trace belongs to the work it wraps", async () => {
    const { trace, result } = traceStorage(async () => 42);
    expect(await result).toBe(42);
    expect(trace).toEqual({ d1: [], sql: [], statements: 0, kv: 0 });
  });
});

/**
 * @module scripts/lib/stripe-timeline
 * What the demo's fake Stripe should answer at the moment of each replayed event: every object in the fixtures at
 * the state of its latest event at or before that moment (or, before its first event, its first known state). So
 * a PaymentIntent reads `requires_payment_method` with its `last_payment_error` until its success event, instead
 * of the final state a static seed would give from the start. Pure.
 */

type Obj = Record<string, unknown>;

const COLLECTION_BY_PREFIX: ReadonlyArray<[string, string]> = [
  ["pi_", "payment_intents"],
  ["in_", "invoices"],
  ["sub_", "subscriptions"],
  ["cus_", "customers"],
  ["ch_", "charges"],
  ["py_", "charges"],
  ["pm_", "payment_methods"],
];

export function collectionOf(id: string): string | null {
  return COLLECTION_BY_PREFIX.find(([p]) => id.startsWith(p))?.[1] ?? null;
}

export interface ObjectState {
  collection: string;
  id: string;
  object: Obj;
}

/**
 * For each event (in order), the object states to put before sending it: every object whose state at that moment
 * differs from what was last put. Events are ordered by `created` (ties keep their order).
 */
export function statesBeforeEach(events: ReadonlyArray<{ created: number; object: Obj | null }>): ObjectState[][] {
  const timeline = new Map<string, Array<{ at: number; object: Obj }>>();
  for (const e of events) {
    const id = typeof e.object?.id === "string" ? e.object.id : null;
    if (id === null || e.object === null || collectionOf(id) === null) continue;
    const list = timeline.get(id) ?? [];
    list.push({ at: e.created, object: e.object });
    timeline.set(id, list);
  }
  const lastPut = new Map<string, Obj>();
  return events.map((e) => {
    const puts: ObjectState[] = [];
    for (const [id, states] of timeline) {
      const atOrBefore = states.filter((s) => s.at <= e.created).at(-1) ?? states[0];
      if (atOrBefore === undefined || lastPut.get(id) === atOrBefore.object) continue;
      lastPut.set(id, atOrBefore.object);
      const collection = collectionOf(id);
      if (collection !== null) puts.push({ collection, id, object: atOrBefore.object });
    }
    return puts;
  });
}

/** @module actions/state — the customer's recovery state label: KV `cust:{id}` for on-call and the product, plus the ledger. */
import { kvCustomerKey } from "../constants.ts";
import type { Deps } from "../deps.ts";
import { setStateLabel } from "../ledger/customers.ts";

export interface CustomerStateValue {
  state: string;
  note: string;
  updatedAt: string;
  caseId: string | null;
}

export async function writeCustomerState(deps: Deps, customerId: string, state: string, note: string, caseId: string | null): Promise<CustomerStateValue> {
  const now = deps.clock();
  const value: CustomerStateValue = { state, note, updatedAt: new Date(now).toISOString(), caseId };
  await setStateLabel(deps.db, customerId, state, note, now);
  await deps.kv.put(kvCustomerKey(customerId), JSON.stringify(value));
  return value;
}

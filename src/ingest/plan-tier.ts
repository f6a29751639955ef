/**
 * @module plan-tier
 * Plan tier from the price: an explicit mapping (PLAN_TIER_MAP: lookup key or product id -> tier) wins;
 * otherwise a lookup key or product id that names a tier ("pro_monthly", "prod_team") is taken at its word.
 */
import type { PlanTier } from "./context.ts";

export function resolvePlanTier(
  lookupKey: string | null,
  productId: string | null,
  map: Readonly<Record<string, PlanTier>> = {},
): PlanTier | null {
  for (const key of [lookupKey, productId]) {
    if (key !== null && map[key] !== undefined) return map[key];
  }
  for (const key of [lookupKey, productId]) {
    if (key === null) continue;
    const k = key.toLowerCase();
    if (/(^|[^a-z])team/.test(k)) return "team";
    if (/(^|[^a-z])pro($|[^a-z])/.test(k)) return "pro";
    if (/(^|[^a-z])(basic|starter|hobby)/.test(k)) return "basic";
  }
  return null;
}

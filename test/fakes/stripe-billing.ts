/**
 * @module test/fakes/stripe-billing
 * Stripe's retention objects: coupons, promotion codes and the discounts they redeem (with Stripe's validation:
 * expiry, max redemptions, customer restriction), and billing portal sessions with a fake portal page.
 */
import { coerce, escapeHtml, isObj, json, now, num, randomId, text, type Obj, type Reply } from "./http.ts";
import type { FakeState } from "./state.ts";
import { applyMetadata } from "./stripe-store.ts";
import { badParam, noSuch } from "./stripe-replies.ts";
import type { StripeCall } from "./stripe-routes.ts";
import { portalConfigurations, portalNotConfigured } from "./stripe-account.ts";

/** Validates and redeems a discount entry; returns a Discount object or an error Reply. */
export function makeDiscount(fake: FakeState, scope: string, entry: Obj, sub: Obj): { discount: Obj } | Reply {
  const { getObj, putObj } = fake.store;
  if (typeof entry.discount === "string") {
    const d = getObj(scope, "discounts", entry.discount);
    return d ? { discount: d } : noSuch("discount", entry.discount, "discounts[0][discount]");
  }
  let couponId: string | null = typeof entry.coupon === "string" ? entry.coupon : null;
  let promoId: string | null = null;
  if (typeof entry.promotion_code === "string") {
    promoId = entry.promotion_code;
    const promo = getObj(scope, "promotion_codes", promoId);
    if (!promo) return noSuch("promotion code", promoId, "discounts[0][promotion_code]");
    if (promo.active === false) return badParam(`This promotion code is inactive: '${promoId}'`, "discounts");
    if (typeof promo.expires_at === "number" && promo.expires_at < now()) {
      return badParam(`This promotion code has expired: '${promoId}'`, "discounts", "coupon_expired");
    }
    const promoCustomer = isObj(promo.customer) ? promo.customer.id : promo.customer;
    const subCustomer = isObj(sub.customer) ? sub.customer.id : sub.customer;
    if (promoCustomer && promoCustomer !== subCustomer) {
      return badParam(`This promotion code cannot be redeemed by this customer: '${promoId}'`, "discounts");
    }
    if (typeof promo.max_redemptions === "number" && (promo.times_redeemed ?? 0) >= promo.max_redemptions) {
      return badParam(`This promotion code has reached its max redemptions: '${promoId}'`, "discounts");
    }
    promo.times_redeemed = (promo.times_redeemed ?? 0) + 1;
    putObj(scope, "promotion_codes", promoId, promo);
    const pc: unknown = promo.promotion?.coupon ?? promo.coupon;
    couponId = isObj(pc) ? String(pc.id) : typeof pc === "string" ? pc : null;
  }
  if (!couponId) return badParam("Each discount must specify a coupon, promotion_code or discount.", "discounts");
  const coupon = getObj(scope, "coupons", couponId);
  if (!coupon) return noSuch("coupon", couponId, "discounts[0][coupon]");
  if (coupon.valid === false || (typeof coupon.redeem_by === "number" && coupon.redeem_by < now())) {
    return badParam(`Coupon expired: ${couponId}`, "coupon", "coupon_expired");
  }
  if (typeof coupon.max_redemptions === "number" && (coupon.times_redeemed ?? 0) >= coupon.max_redemptions) {
    return badParam(`Coupon ${couponId} has reached its max redemptions.`, "coupon");
  }
  coupon.times_redeemed = (coupon.times_redeemed ?? 0) + 1;
  putObj(scope, "coupons", couponId, coupon);
  const d: Obj = {
    id: randomId("di_"),
    object: "discount",
    checkout_session: null,
    customer: isObj(sub.customer) ? sub.customer.id : (sub.customer ?? null),
    customer_account: null,
    end: null,
    invoice: null,
    invoice_item: null,
    promotion_code: promoId,
    source: { coupon: couponId, type: "coupon" },
    start: now(),
    subscription: sub.id ?? null,
    subscription_item: null,
  };
  putObj(scope, "discounts", d.id as string, d);
  return { discount: d };
}

/** POST /v1/coupons */
export function couponRoute(c: StripeCall): Reply | null {
  const { fake, scope, method, params, res, id, action, n } = c;
  const { getObj, putObj, allIds, expand } = fake.store;

  // Coupons
  if (res === "coupons" && method === "POST" && n === 2) {
    const percentOff = num(params.percent_off);
    const amountOff = num(params.amount_off);
    if (percentOff === null && amountOff === null) return badParam("Must provide one of `percent_off` or `amount_off`.", "percent_off");
    if (percentOff !== null && (percentOff <= 0 || percentOff > 100)) return badParam("Invalid percent_off: must be greater than 0 and at most 100", "percent_off");
    if (amountOff !== null && typeof params.currency !== "string") return badParam("You must pass `currency` when passing `amount_off`.", "currency");
    const duration = typeof params.duration === "string" ? params.duration : "once";
    if (duration === "repeating" && num(params.duration_in_months) === null) {
      return badParam("You must pass `duration_in_months` when `duration` is `repeating`.", "duration_in_months");
    }
    const cid = typeof params.id === "string" && params.id !== "" ? params.id : randomId("co_", 8);
    if (getObj(scope, "coupons", cid)) return badParam("Coupon already exists.", "id", "resource_already_exists");
    const coupon: Obj = {
      id: cid,
      object: "coupon",
      amount_off: amountOff,
      created: now(),
      currency: typeof params.currency === "string" ? params.currency : null,
      duration,
      duration_in_months: num(params.duration_in_months),
      livemode: false,
      max_redemptions: num(params.max_redemptions),
      metadata: {},
      name: typeof params.name === "string" ? params.name : null,
      percent_off: percentOff,
      redeem_by: num(params.redeem_by),
      times_redeemed: 0,
      valid: true,
    };
    applyMetadata(coupon, params.metadata);
    putObj(scope, "coupons", cid, coupon);
    return json(200, coupon);
  }
  return null;
}

/** POST /v1/promotion_codes */
export function promotionCodeRoute(c: StripeCall): Reply | null {
  const { fake, scope, method, params, res, id, action, n } = c;
  const { getObj, putObj, allIds, expand } = fake.store;

  // Promotion codes
  if (res === "promotion_codes" && method === "POST" && n === 2) {
    const promotion = isObj(params.promotion) ? params.promotion : null;
    const couponId =
      promotion && typeof promotion.coupon === "string" ? promotion.coupon : typeof params.coupon === "string" ? params.coupon : null;
    if (!couponId) return badParam("Missing required param: promotion[coupon].", "promotion[coupon]", "parameter_missing");
    if (promotion && promotion.type !== undefined && promotion.type !== "coupon") {
      return badParam(`Invalid promotion[type]: must be one of coupon`, "promotion[type]");
    }
    const coupon = getObj(scope, "coupons", couponId);
    if (!coupon) return noSuch("coupon", couponId, "promotion[coupon]");
    const code = typeof params.code === "string" && params.code !== "" ? params.code : randomId("", 8).toUpperCase();
    if (!/^[a-zA-Z0-9-]+$/.test(code)) return badParam("Invalid code: only letters, digits and dashes are allowed.", "code");
    const customer = typeof params.customer === "string" ? params.customer : null;
    if (customer && !getObj(scope, "customers", customer)) return noSuch("customer", customer, "customer");
    for (const pid of allIds(scope, "promotion_codes")) {
      const p = getObj(scope, "promotion_codes", pid);
      if (p && p.active !== false && String(p.code).toLowerCase() === code.toLowerCase() && (p.customer ?? null) === customer) {
        return badParam(`An active promotion code with \`code: ${code}\` already exists.`, "code", "resource_already_exists");
      }
    }
    const expiresAt = num(params.expires_at);
    if (expiresAt !== null && typeof coupon.redeem_by === "number" && expiresAt > coupon.redeem_by) {
      return badParam("The promotion code's `expires_at` may not be after the coupon's `redeem_by`.", "expires_at");
    }
    const promo: Obj = {
      id: randomId("promo_", 24),
      object: "promotion_code",
      active: params.active === undefined ? true : coerce(params.active) !== false,
      code,
      created: now(),
      customer,
      customer_account: null,
      expires_at: expiresAt,
      livemode: false,
      max_redemptions: num(params.max_redemptions),
      metadata: {},
      promotion: { coupon: couponId, type: "coupon" },
      restrictions: {
        first_time_transaction: false,
        minimum_amount: null,
        minimum_amount_currency: null,
        ...(isObj(params.restrictions) ? (coerce(params.restrictions) as Obj) : {}),
      },
      times_redeemed: 0,
    };
    applyMetadata(promo, params.metadata);
    putObj(scope, "promotion_codes", promo.id as string, promo);
    return json(200, expand(scope, promo, params));
  }
  return null;
}

/** POST /v1/billing_portal/sessions */
export function portalSessionRoute(c: StripeCall): Reply | null {
  const { fake, scope, method, params, res, id, action, n } = c;
  const { getObj, putObj, allIds, expand } = fake.store;

  // Billing portal sessions
  if (res === "billing_portal" && id === "sessions" && method === "POST" && n === 3) {
    const customer = typeof params.customer === "string" ? params.customer : null;
    if (!customer) return badParam("Missing required param: customer.", "customer", "parameter_missing");
    if (!getObj(scope, "customers", customer)) return noSuch("customer", customer, "customer");
    if (!portalConfigurations(c).some((cfg) => cfg.active === true)) return portalNotConfigured();
    const flow = isObj(params.flow_data) ? (coerce(params.flow_data) as Obj) : null;
    const sid = randomId("bps_", 24);
    const session: Obj = {
      id: sid,
      object: "billing_portal.session",
      configuration: typeof params.configuration === "string" ? params.configuration : "bpc_fake",
      created: now(),
      customer,
      customer_account: null,
      flow,
      livemode: false,
      locale: typeof params.locale === "string" ? params.locale : null,
      on_behalf_of: null,
      return_url: typeof params.return_url === "string" ? params.return_url : null,
      url: `${fake.url}/portal/${sid}`,
    };
    putObj(scope, "billing_portal_sessions", sid, session);
    return json(200, session);
  }
  return null;
}

/** GET /portal/{id}: the page a billing portal session URL opens. */
export function portalPage(id: string): Reply {
  const safe = escapeHtml(id);
  return text(
    200,
    `<!doctype html><html><head><meta charset="utf-8"><title>Billing portal (fake)</title></head>` +
      `<body><h1>Billing portal</h1><p>Session <code>${safe}</code></p><p>Update your payment method here (fake page).</p></body></html>`,
    "text/html; charset=utf-8",
  );
}

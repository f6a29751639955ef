/**
 * @module test/fakes/stripe-replies
 * Stripe's error and list shapes as the SDK parses them: `{error: {type, code, decline_code, message, param}}`
 * with a request log URL, `{object: "list", data, has_more, url}`, and card declines with Stripe's messages.
 */
import { isObj, json, num, randomId, type Obj, type Reply } from "./http.ts";

export function stripeErr(status: number, error: Obj): Reply {
  return json(status, { error: { ...error, request_log_url: `https://dashboard.stripe.com/test/logs/${randomId("req_")}` } });
}

export function noSuch(kind: string, id: string, param = "id"): Reply {
  return stripeErr(404, {
    code: "resource_missing",
    doc_url: "https://stripe.com/docs/error-codes/resource-missing",
    message: `No such ${kind}: '${id}'`,
    param,
    type: "invalid_request_error",
  });
}

export function badParam(message: string, param?: string, code?: string): Reply {
  return stripeErr(400, {
    message,
    type: "invalid_request_error",
    ...(param ? { param } : {}),
    ...(code ? { code } : {}),
  });
}

export function stripeList(listUrl: string, data: unknown[], params: Obj): Obj {
  let items = data;
  const after = typeof params.starting_after === "string" ? params.starting_after : null;
  if (after) {
    const i = items.findIndex((x) => isObj(x) && x.id === after);
    items = i >= 0 ? items.slice(i + 1) : items;
  }
  const limit = Math.max(1, Math.min(100, num(params.limit) ?? 10));
  return { object: "list", data: items.slice(0, limit), has_more: items.length > limit, url: listUrl };
}

export function declineMessage(code: string): string {
  switch (code) {
    case "insufficient_funds":
      return "Your card has insufficient funds.";
    case "expired_card":
      return "Your card has expired.";
    case "incorrect_cvc":
      return "Your card's security code is incorrect.";
    case "processing_error":
      return "An error occurred while processing your card. Try again in a little bit.";
    default:
      return "Your card was declined.";
  }
}

/** Reads a one-shot scripted outcome: "fail", "fail:<decline_code>", or {outcome|status:"fail", decline_code}. */
export function scriptedFailure(obj: Obj, field: string, codeField: string): string | null {
  const o: unknown = obj[field];
  if (o === undefined || o === null) return null;
  let outcome = "";
  let decline: unknown = obj[codeField];
  if (typeof o === "string") {
    const [head, code] = o.split(":");
    outcome = head ?? "";
    if (code) decline = code;
  } else if (isObj(o)) {
    outcome = String(o.outcome ?? o.status ?? "");
    decline = o.decline_code ?? decline;
  }
  delete obj[field];
  delete obj[codeField];
  if (outcome !== "fail") return null;
  return typeof decline === "string" && decline !== "" ? decline : "card_declined";
}

export function cardError(declineCode: string, extra: Obj): Reply {
  return stripeErr(402, {
    code: declineCode === "expired_card" || declineCode === "incorrect_cvc" ? declineCode : "card_declined",
    decline_code: declineCode,
    doc_url: "https://stripe.com/docs/error-codes/card-declined",
    message: declineMessage(declineCode),
    type: "card_error",
    ...extra,
  });
}

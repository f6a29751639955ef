/** @module locales/en — English (the default locale). */
import type { Messages } from "./types.ts";

export const en: Messages = {
  tag: "en",
  defaultFormatLocale: "en-US",
  languageName: "English",

  greeting: (name) => (name ? `Hi ${name},` : "Hi there,"),
  signOff: "Thank you,",
  team: (brand) => `The ${brand} team`,
  buttonFallback: "If the button doesn't work, copy this link into your browser:",
  forPlan: (plan) => (plan ? `for your ${plan} plan` : "for your subscription"),
  forPurchase: (d) => (d ? `for “${d}”` : "for your purchase"),

  details: {
    title: "Payment details",
    amount: "Amount",
    item: "For",
    card: "Card",
    dueDate: "Due date",
    cardValue: (brand, last4) => `${brand} ending in ${last4}`,
  },

  footer: {
    renewal: (brand) => `You are receiving this because you have a subscription with ${brand}.`,
    oneOff: (brand) => `You are receiving this because of a payment to ${brand}.`,
    offer: (brand) => `You are receiving this offer because you are a customer of ${brand}.`,
    support: (email) => `Questions? Write to us at ${email}.`,
    unsubscribe: "Unsubscribe from offers",
  },

  annualGrace: (brand) => `As an annual subscriber, you keep full access to ${brand} during a grace period while this gets sorted out.`,
  viewInvoice: "View the invoice",
  alreadyUpdated: "If you've already updated your details, thank you, and please ignore this email.",
  alreadyConfirmed: "If you've already confirmed it, thank you, and please ignore this email.",
  alreadyPaid: "If you've already completed the payment, thank you, and please ignore this email.",
  replyHelp: "If you have any questions, just reply to this email and a person will help.",
  accessUntil: (date) => `Your access stays on until ${date}. After that it pauses until the payment goes through.`,

  cardUpdate: {
    subject: (amount, brand) => `Your payment of ${amount} to ${brand} didn't go through`,
    preview: (amount, brand) => `Your ${amount} payment to ${brand} didn't go through. Updating your payment details takes a minute.`,
    intro: (amount, forWhat, brand) => `We tried to collect ${amount} ${forWhat} with ${brand}, but the payment didn't go through.`,
    askNeedsCustomer: "Please update your payment details using the secure link below. It only takes a minute, and we'll take care of the rest.",
    askSoft: "You can pay with the same card once it's ready, or use another card, on the secure page below. It only takes a minute.",
    askTrial: "Whenever it suits you, you can update your payment details using the secure link below. It only takes a minute.",
    retryScheduled: (date) => `We'll try the payment again on ${date}, so updating your details before then is all it takes.`,
    button: "Update payment details",
  },

  softReminder: {
    subject: (amount, brand) => `Your ${amount} payment to ${brand} didn't go through`,
    subjectRetry: (amount, brand, date) => `Your ${amount} payment to ${brand} didn't go through — we'll try again on ${date}`,
    preview: (amount, brand) => `Your ${amount} payment to ${brand} didn't go through. Completing it takes a minute.`,
    previewRetry: (amount, brand, date) => `Your ${amount} payment to ${brand} didn't go through. We'll try again on ${date}.`,
    intro: (amount, forWhat, brand) => `Your payment of ${amount} ${forWhat} with ${brand} didn't go through this time. It happens, and it's usually easy to sort out.`,
    retryNoAction: (date) => `We'll try the payment again automatically on ${date}, so you don't need to do anything right now.`,
    retryBank: (date) => `We'll try the payment again automatically on ${date}. Since your bank declined it, a quick word with them before then, or using another card, helps it go through.`,
    noRetry: "It won't be tried again automatically, so please complete the payment on the secure page below, with the same card or another one.",
    completeNow: "You can complete the payment on the secure page below, with the same card or another one.",
    noRetryOtherCard: "Your bank asked us not to try this card again, so please complete the payment with another card on the secure page below.",
    payNowOptional: "If you'd rather pay now, or use a different card, you can do that on the secure page below.",
    button: "Complete the payment",
  },

  authRequired: {
    subject: (amount, brand) => `Action needed: confirm your ${amount} payment to ${brand} with your bank`,
    subjectTrial: (amount, brand) => `Please confirm your ${amount} payment to ${brand} with your bank`,
    preview: (amount, brand) => `Your bank would like you to confirm your ${amount} payment to ${brand}. It only takes a moment.`,
    intro: (amount, forWhat, brand) =>
      `Your bank has asked you to confirm your payment of ${amount} ${forWhat} with ${brand}. This is a routine security check that many banks use for online payments, and your payment details are fine.`,
    how: "To confirm the payment with your bank, open the secure payment page below and follow your bank's prompt. It is usually a code sent by text message or a quick approval in your banking app.",
    button: "Confirm payment",
  },

  finalWarning: {
    subjectTrial: (amount, brand) => `Your ${amount} payment to ${brand} still needs your attention`,
    subjectDate: (amount, brand, date) => `Final reminder: your ${amount} payment to ${brand} is due by ${date}`,
    subject: (amount, brand) => `Final reminder: your ${amount} payment to ${brand} is still outstanding`,
    previewTrial: (amount, brand) => `Your ${amount} payment to ${brand} still hasn't gone through. Updating your details takes a minute.`,
    preview: (amount, brand) => `Your ${amount} payment to ${brand} is still outstanding. Update your payment details to keep your access.`,
    introTrial: (amount, forWhat, brand) => `Your payment of ${amount} ${forWhat} with ${brand} still hasn't gone through.`,
    intro: (amount, forWhat, brand) => `We still haven't been able to collect your payment of ${amount} ${forWhat} with ${brand}, and this is our last reminder.`,
    trial: (brand) => `Whenever you're ready, you can update your payment details below to keep using ${brand}. It only takes a minute.`,
    annualDate: (brand, date) =>
      `As an annual subscriber, you've kept full access to ${brand} during a grace period. That grace period ends on ${date}: if the payment hasn't gone through by then, your plan will be canceled.`,
    annual: (brand) => `As an annual subscriber, you've kept full access to ${brand} during a grace period. It ends soon: if the payment hasn't gone through by then, your plan will be canceled.`,
    monthlyDate: (brand, date) => `If the payment hasn't gone through by ${date}, your plan will be canceled and you'll lose access to ${brand}.`,
    monthly: (brand) => `If the payment doesn't go through soon, your plan will be canceled and you'll lose access to ${brand}.`,
    oneOff: "Please complete the payment using the secure link below, with the same card or another one.",
    button: "Update payment details",
  },

  winback: {
    subjectApplied: (pct, brand, code) => `${pct} off your next ${brand} invoice — code ${code}`,
    subjectReturn: (pct, brand, code) => `${pct} off to come back to ${brand} — code ${code}`,
    previewApplied: (pct, brand, code, expiry) => `We've applied ${pct} off your next ${brand} invoice. Code ${code}, valid until ${expiry}.`,
    previewReturn: (pct, brand, code, expiry) => `Come back to ${brand} with ${pct} off. Code ${code}, valid until ${expiry}.`,
    introApplied: (amount, forWhat, brand) => `Your recent payment of ${amount} ${forWhat} with ${brand} didn't go through, and we'd like to make things a little easier.`,
    introReturn: (amount, brand) => `Your subscription with ${brand} has ended because the payment of ${amount} didn't go through. We'd love to have you back.`,
    applied: (pct, code) => `We've applied ${pct} off your next invoice, so there's nothing you need to do to get it. Your code, for reference, is ${code}.`,
    useAt: (code, pct) => `Use code ${code} on the page below to get ${pct} off when you come back.`,
    useWhen: (code, pct) => `Use code ${code} when you resubscribe to get ${pct} off.`,
    validUntil: (pct, expiry) => `${pct} off · valid until ${expiry}`,
    button: (brand) => `Come back to ${brand}`,
  },

  trialEnding: {
    subjectEngaged: (brand, date) => `Your ${brand} trial becomes your plan on ${date}`,
    subjectLapsed: (brand, date) => `Your ${brand} trial ends on ${date}`,
    previewEngaged: (brand, date) => `Nothing to do: your ${brand} plan continues on ${date}.`,
    previewLapsed: (brand, date) => `Keep ${brand} after ${date} by adding a payment method.`,
    engaged: (brand, date, amount) => `Your trial of ${brand} ends on ${date}. Your payment method is already on file, so your plan simply continues and the first payment of ${amount} will be taken then.`,
    lapsed: (brand, date, amount) => `Your trial of ${brand} ends on ${date}. If you'd like to keep going (${amount}), add a payment method and everything carries on as it is.`,
    changeCard: "If you'd like to use a different card, you can change it here.",
    buttonEngaged: "Manage payment method",
    buttonLapsed: "Add a payment method",
  },

  empathy: {
    opening: {
      trial: "We hope you've enjoyed getting to know us so far, and we'd love for you to keep exploring.",
      new: "You only joined us recently, so we wanted to reach out and make this as easy as possible.",
      loyal: "You've been with us for a long time, and we're truly grateful for that, so we wanted to let you know.",
      winback: "It means a lot that you came back to us, and we don't want a small payment issue to get in the way.",
      none: "We wanted to give you a quick heads-up so this doesn't catch you by surprise.",
    },
    hint: {
      card_expired:
        "It looks like the card we have on file has expired, which happens to everyone sooner or later. Adding the new expiry date or a different card usually takes less than a minute.",
      insufficient_funds:
        "Sometimes a payment is declined simply because of timing, like a balance that hasn't caught up yet or a spending limit. It happens to lots of people and usually sorts itself out quickly.",
      authentication_required:
        "Your bank simply wants you to confirm this payment, a standard security step for many online purchases. Nothing is wrong with your card, and approving it only takes a moment.",
      do_not_honor:
        "Your bank declined the payment without giving us a specific reason, which is more common than you might think. A quick word with your bank or using another card usually clears it up.",
      invalid_card_details:
        "It looks like some of the card details didn't match what your bank has on file, such as the number, expiry date or security code. Double-checking them usually fixes it.",
      card_unusable:
        "Your bank declined the payment with this card, and banks don't always share the reason with us. Using a different card, or checking with your bank, is usually the simplest way forward.",
      merchant_account_issue:
        "The payment didn't go through because of a problem on our side, not with your card. We're looking into it and you don't need to do anything right now.",
      fraud_suspected:
        "Your bank declined the payment, and they don't always tell us why. Checking with your bank, or choosing a different payment method, is usually the quickest way to sort it out.",
      processing_error:
        "This looks like a temporary hiccup in the payment process, not anything you did. These usually clear up on their own, and your payment details are most likely fine.",
      unknown:
        "We're not sure exactly what went wrong, and the bank didn't give us any details. Often it's something small that's easy to fix by checking your payment details.",
    },
    trialEnding:
      "We hope you've enjoyed getting to know us so far, and we'd love for you to keep exploring. Whatever you decide, everything you set up stays just where you left it, and we're always happy to help you find the plan that fits you best.",
  },

  unsubscribe: {
    title: "Unsubscribe from offers",
    confirm: (brand) => `Stop receiving discount offers from ${brand}? You will still get the emails about your payments and your account.`,
    button: "Unsubscribe",
    doneTitle: "You're unsubscribed",
    done: (brand) => `${brand} will not send you offers any more. Emails about your payments and your account still reach you.`,
    invalid: "This link is not valid. Please use the link in your most recent email from us.",
  },
  landing: {
    invalidTitle: "This link is not valid",
    invalidBody: "Please use the link in your most recent email from us, or reply to it and we will help.",
    settledTitle: "Nothing to do, thank you",
    settledPaid: "This payment is settled.",
    settledNothing: "There is nothing left to pay on this link.",
    settledThanks: "You don't need to do anything. Thank you!",
    expiredTitle: "This link has expired",
    expiredNothing: "There is nothing to do on this link any more.",
    expiredReply: "If you still want to update your payment details, reply to our most recent email and we will help.",
    stillOpenTitle: "Your payment is still open",
    failed: (amount, brand) => (amount !== null ? `Your payment of ${amount} to ${brand} didn't go through.` : `Your payment to ${brand} didn't go through.`),
    expiredPayOnInvoice: "This link has expired, but you can still pay on the invoice page.",
    expiredNewLink: "This link has expired. Reply to our most recent email and we will send you a new one.",
    openInvoice: "Open the invoice",
    updateTitle: "Update your payment method",
    updateBody: "Update your card on Stripe's secure page; we then collect the open payment once with it.",
    updateButton: "Update payment method",
    addCardTitle: "Add a card to complete your payment",
    addCardBody: (amount) => `Add a card on Stripe's secure page; we then charge ${amount ?? "the amount"} once with it.`,
    addCardButton: "Add a card",
    trialTitle: "Add a payment method",
    trialBody: (brand) => `Add a payment method so your ${brand} subscription continues without interruption when your trial ends.`,
    trialButton: "Add a payment method",
    cardOnFileBody: (brand) => `Update the card ${brand} charges, on Stripe's secure page.`,
    rateLimited: "This link was opened several times in the last hour. Please try again in an hour, or reply to our email and we will help.",
    noStripe: "We could not open the secure payment page from this link right now. Please reply to our most recent email and we will help you update your payment details.",
    secureNote: "You will continue on Stripe's secure page. We never see your card number.",
    updatedTitle: "Thanks, your card is updated",
    updatedBody: (brand) => `Your payment details for ${brand} are saved. You can close this page.`,
  },
};

/**
 * `npm run email:preview`: renders every email template with sample data, for each decline reason the
 * template fits and for USD, EUR and JPY (plus one fr-FR sample), into `email-preview/`:
 * `<template>--<reason>--<currency>.html` and `.txt`, and an `index.html` linking them all.
 *
 * Sample variations, so one run shows the copy variants:
 * - USD (en-US): monthly, loyal customer; winback discount applied to the subscription.
 * - EUR (de-DE): annual subscriber, new customer; winback to resubscribe.
 * - JPY (en-US): trial customer (no pressure copy); winback to resubscribe.
 * - fr-FR: one winback sample in EUR (`winback_offer--insufficient_funds--eur-fr-FR`).
 */
import { mkdir, rm, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { FAILURE_REASONS } from "../src/ingest/decline-codes.ts";
import type { FailureReason } from "../src/ingest/decline-codes.ts";
import { fallbackEmpathyParagraph } from "../emails/empathy-fallback.ts";
import type { EmpathySegment } from "../emails/empathy-fallback.ts";
import { TEMPLATE_IDS, renderEmail, templateFitsReason } from "../emails/index.ts";
import type { EmailBase, EmailInput, TemplateId } from "../emails/index.ts";

const OUT_DIR = fileURLToPath(new URL("../email-preview/", import.meta.url).href);

/** Fixed "now" so the output is stable between runs. */
const NOW = Date.UTC(2026, 2, 1);
const DAY = 24 * 60 * 60 * 1000;

interface Variant {
  /** File name part. */
  key: string;
  amount: EmailBase["amount"];
  locale: string;
  segment: EmpathySegment;
  isTrial: boolean;
  isAnnual: boolean;
  appliesTo: "subscription" | "resubscribe";
}

const VARIANTS: readonly Variant[] = [
  { key: "usd", amount: { amount: 4900, currency: "usd" }, locale: "en-US", segment: "loyal", isTrial: false, isAnnual: false, appliesTo: "subscription" },
  { key: "eur", amount: { amount: 49000, currency: "eur" }, locale: "de-DE", segment: "new", isTrial: false, isAnnual: true, appliesTo: "resubscribe" },
  { key: "jpy", amount: { amount: 4980, currency: "jpy" }, locale: "en-US", segment: "trial", isTrial: true, isAnnual: false, appliesTo: "resubscribe" },
];

const FR_SAMPLE: { templateId: TemplateId; reason: FailureReason; variant: Variant } = {
  templateId: "winback_offer",
  reason: "insufficient_funds",
  variant: { key: "eur-fr-FR", amount: { amount: 2900, currency: "eur" }, locale: "fr-FR", segment: "winback", isTrial: false, isAnnual: false, appliesTo: "subscription" },
};

function sampleInput(templateId: TemplateId, reason: FailureReason, v: Variant): EmailInput {
  const base: EmailBase = {
    brandName: "Acme",
    customerName: v.isTrial ? null : "Jane Doe",
    locale: v.locale,
    amount: v.amount,
    invoiceUrl: "https://invoice.example.com/i/in_1Q2w3E4r",
    empathyParagraph: fallbackEmpathyParagraph(reason, v.segment),
    isTrial: v.isTrial,
    isAnnual: v.isAnnual,
    planName: v.isAnnual ? "Pro (annual)" : "Pro",
  };
  const updateUrl = "https://billing.example.com/update/cus_9Z8y7X";
  switch (templateId) {
    case "card_update_request":
      return { ...base, templateId, updateUrl };
    case "soft_payment_reminder":
      return { ...base, templateId, nextRetryAt: NOW + 3 * DAY };
    case "authentication_required":
      return { ...base, templateId, invoiceUrl: base.invoiceUrl ?? "https://invoice.example.com/i/in_1Q2w3E4r" };
    case "winback_offer":
      return {
        ...base,
        templateId,
        percentOff: 20,
        promoCode: "COMEBACK20",
        expiresAt: NOW + 30 * DAY,
        appliesTo: v.appliesTo,
        resubscribeUrl: v.appliesTo === "resubscribe" ? "https://acme.example.com/resubscribe" : null,
      };
    case "final_warning":
      return { ...base, templateId, updateUrl, accessEndsAt: NOW + 7 * DAY };
    case "trial_ending":
      return { ...base, templateId, updateUrl, trialEndsAt: NOW + 3 * DAY, engaged: v.key !== "jpy" };
  }
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

interface Row {
  file: string;
  templateId: TemplateId;
  reason: FailureReason;
  variant: Variant;
  subject: string;
}

async function main(): Promise<void> {
  const jobs: { templateId: TemplateId; reason: FailureReason; variant: Variant }[] = [];
  for (const templateId of TEMPLATE_IDS) {
    for (const reason of FAILURE_REASONS) {
      if (!templateFitsReason(templateId, reason)) continue;
      for (const variant of VARIANTS) jobs.push({ templateId, reason, variant });
    }
  }
  jobs.push(FR_SAMPLE);
  // Lifecycle email: not an answer to a failure, so no reason applies; one per currency variant.
  for (const variant of VARIANTS) jobs.push({ templateId: "trial_ending", reason: "unknown", variant });

  await rm(OUT_DIR, { recursive: true, force: true });
  await mkdir(OUT_DIR, { recursive: true });

  const rows: Row[] = [];
  for (const { templateId, reason, variant } of jobs) {
    const email = await renderEmail(sampleInput(templateId, reason, variant));
    const file = `${templateId}--${reason}--${variant.key}`;
    await writeFile(`${OUT_DIR}${file}.html`, email.html, "utf8");
    await writeFile(`${OUT_DIR}${file}.txt`, `Subject: ${email.subject}\n\n${email.text}\n`, "utf8");
    rows.push({ file, templateId, reason, variant, subject: email.subject });
  }

  const tableRows = rows
    .map(({ file, templateId, reason, variant: v, subject }) => {
      const flags = [v.isTrial ? "trial" : null, v.isAnnual ? "annual" : "monthly", `segment ${v.segment}`, templateId === "winback_offer" ? `applies to ${v.appliesTo}` : null]
        .filter(Boolean)
        .join(", ");
      return `<tr><td>${escapeHtml(templateId)}</td><td>${escapeHtml(reason)}</td><td>${escapeHtml(v.amount.currency.toUpperCase())} · ${escapeHtml(v.locale)}</td><td>${escapeHtml(flags)}</td><td>${escapeHtml(subject)}</td><td><a href="${encodeURI(file)}.html">HTML</a> · <a href="${encodeURI(file)}.txt">text</a></td></tr>`;
    })
    .join("\n");
  const index = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Email preview (${rows.length} emails)</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem; color: #1f2937; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th, td { border-bottom: 1px solid #e5e7eb; padding: 6px 8px; text-align: left; vertical-align: top; }
th { background: #f9fafb; position: sticky; top: 0; }
a { color: #1d4ed8; }
</style>
</head>
<body>
<h1>Email preview</h1>
<p>${rows.length} emails rendered with sample data (fixed date ${new Date(NOW).toISOString().slice(0, 10)}).</p>
<table>
<thead><tr><th>Template</th><th>Reason</th><th>Currency · locale</th><th>Sample</th><th>Subject</th><th>Files</th></tr></thead>
<tbody>
${tableRows}
</tbody>
</table>
</body>
</html>
`;
  await writeFile(`${OUT_DIR}index.html`, index, "utf8");

  console.log(`Wrote ${rows.length} emails (${rows.length * 2} files + index.html) to ${OUT_DIR}`);
}

await main();

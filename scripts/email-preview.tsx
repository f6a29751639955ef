/**
 * `npm run email:preview`: renders every email template × situation × locale (emails/preview-matrix.ts: renewal
 * and one-off payments, retry scheduled / past / none, the bank's "do not try again", trial, annual, both winback
 * variants) into `email-preview/`: `<template>--<situation>--<locale>.html` and `.txt` (subject and headers on
 * top), and an `index.html` linking them all. The same matrix is checked by test/email-matrix.test.ts.
 */
import { mkdir, rm, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { emailHeaders, renderEmail } from "../emails/index.ts";
import { PREVIEW_NOW, previewMatrix } from "../emails/preview-matrix.ts";

const OUT_DIR = fileURLToPath(new URL("../email-preview/", import.meta.url).href);

function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

async function main(): Promise<void> {
  await rm(OUT_DIR, { recursive: true, force: true });
  await mkdir(OUT_DIR, { recursive: true });
  const rows: string[] = [];
  const entries = previewMatrix();
  for (const { key, locale, situation, input } of entries) {
    const email = await renderEmail(input);
    const headers = emailHeaders(input) ?? {};
    const headerLines = Object.entries(headers).map(([k, v]) => `${k}: ${v}\n`).join("");
    await writeFile(`${OUT_DIR}${key}.html`, email.html, "utf8");
    await writeFile(`${OUT_DIR}${key}.txt`, `Subject: ${email.subject}\n${headerLines}\n${email.text}\n`, "utf8");
    rows.push(
      `<tr><td>${escapeHtml(situation.templateId)}</td><td>${escapeHtml(situation.name)}</td><td>${escapeHtml(locale)}</td><td lang="${escapeHtml(locale)}">${escapeHtml(email.subject)}</td><td><a href="${encodeURI(key)}.html">HTML</a> · <a href="${encodeURI(key)}.txt">text</a></td></tr>`,
    );
  }
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
<p>${rows.length} emails: every template × situation × locale, rendered with sample data (fixed date ${new Date(PREVIEW_NOW).toISOString().slice(0, 10)}).</p>
<table>
<thead><tr><th>Template</th><th>Situation</th><th>Locale</th><th>Subject</th><th>Files</th></tr></thead>
<tbody>
${rows.join("\n")}
</tbody>
</table>
</body>
</html>
`;
  await writeFile(`${OUT_DIR}index.html`, index, "utf8");
  console.log(`Wrote ${rows.length} emails (${rows.length * 2} files + index.html) to ${OUT_DIR}`);
}

await main();

#!/usr/bin/env node
/**
 * Checks the relative links of the user docs: every `[text](path)`, `![alt](path)` and `[ref]: path` in README.md
 * and docs/*.md must point to a file (or directory) that exists, and a `#anchor` must name a heading of the target
 * Markdown file (GitHub's slugs: lowercase, punctuation dropped, spaces to dashes, -1/-2 for repeats).
 * External links (http:, https:, mailto:) are not fetched. Exit code 1 lists every broken link.
 *
 * Usage: node scripts/check-links.mjs [files...]   (default: README.md docs/*.md)
 */
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const root = resolve(dirname(new URL(import.meta.url).pathname), "..");

/** Markdown without fenced code blocks and inline code (links there are examples, not links). */
function prose(md) {
  return md.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, "").replace(/`[^`\n]*`/g, "");
}

/** GitHub's heading anchors of a Markdown file. */
function anchorsOf(md) {
  const seen = new Map();
  const out = new Set();
  for (const line of prose(md).split("\n")) {
    const h = /^#{1,6}\s+(.+?)\s*#*\s*$/.exec(line);
    if (!h) continue;
    const text = h[1]
      .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1") // links keep their text
      .replace(/<[^>]+>/g, "");
    const base = text
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, "")
      .replace(/\s/g, "-");
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

/** Link targets of a Markdown file with their line numbers. */
function linksOf(md) {
  const out = [];
  const lines = prose(md).split("\n");
  lines.forEach((line, i) => {
    for (const m of line.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) out.push({ target: m[1], line: i + 1 });
    const ref = /^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+"[^"]*")?\s*$/.exec(line);
    if (ref) out.push({ target: ref[1], line: i + 1 });
  });
  return out;
}

function defaultFiles() {
  const docs = existsSync(join(root, "docs"))
    ? readdirSync(join(root, "docs"))
        .filter((f) => f.endsWith(".md"))
        .sort()
        .map((f) => join("docs", f))
    : [];
  return ["README.md", ...docs];
}

const files = process.argv.length > 2 ? process.argv.slice(2) : defaultFiles();
const anchorCache = new Map();
const anchors = (file) => {
  if (!anchorCache.has(file)) anchorCache.set(file, anchorsOf(readFileSync(file, "utf8")));
  return anchorCache.get(file);
};
const broken = [];
let checked = 0;
for (const rel of files) {
  const file = resolve(root, rel);
  const md = readFileSync(file, "utf8");
  for (const { target, line } of linksOf(md)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // http:, https:, mailto:, …
    checked++;
    const [pathPart, anchor] = target.split("#", 2);
    const path = decodeURIComponent(pathPart ?? "");
    const dest = path === "" ? file : path.startsWith("/") ? join(root, path) : resolve(dirname(file), path);
    const where = `${relative(root, file)}:${line}`;
    if (!existsSync(dest)) {
      broken.push(`${where}: ${target} -> missing file ${relative(root, dest)}`);
      continue;
    }
    if (anchor !== undefined && anchor !== "") {
      if (statSync(dest).isDirectory() || !dest.endsWith(".md")) {
        broken.push(`${where}: ${target} -> an anchor into a file that is not Markdown`);
      } else if (!anchors(dest).has(anchor.toLowerCase())) {
        broken.push(`${where}: ${target} -> no heading #${anchor} in ${relative(root, dest)}`);
      }
    }
  }
}
if (broken.length > 0) {
  console.error(`check-links: ${broken.length} broken link(s):\n  ${broken.join("\n  ")}`);
  process.exit(1);
}
console.log(`check-links: ${checked} relative links in ${files.length} file(s), all resolve`);

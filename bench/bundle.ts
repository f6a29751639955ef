/**
 * @module bench/bundle
 * Figure 5, bundle: `wrangler deploy --dry-run --outdir <tmp>`: raw and gzip -9 size of the uploaded modules.
 */
import { say, round, rows, results } from "./context.ts";
import { isUploaded, type Build } from "./workers.ts";

/** Figure 5: raw and gzip size of what wrangler uploads. */
export function benchBundle(b: Build): void {
  const up = b.files.filter((f) => isUploaded(f.name));
  const raw = up.reduce((a, f) => a + f.bytes, 0);
  const gz = up.reduce((a, f) => a + f.gzipBytes, 0);
  const all = b.files.reduce((a, f) => a + f.bytes, 0);
  const allGz = b.files.reduce((a, f) => a + f.gzipBytes, 0);
  const limit = 1024 * 1024;
  results.bundle = {
    method: "`wrangler deploy --dry-run --outdir <tmp>`; sizes of the uploaded modules (every output file except the source map and the README wrangler writes), gzip = zlib level 9 per file, summed.",
    uploadedRawBytes: raw,
    uploadedGzipBytes: gz,
    allFilesRawBytes: all,
    allFilesGzipBytes: allGz,
    files: b.files,
    wranglerSays: b.wranglerSays,
    limitGzipBytes: limit,
  };
  const kib = (x: number) => `${round(x / 1024, 1)} KiB`;
  rows.push({ metric: "Bundle gzip -9 (uploaded modules)", value: kib(gz), floor: "1024 KiB limit", ratio: `${round(gz / limit, 2)}`, target: "≤ 1 MiB", pass: gz <= limit });
  rows.push({ metric: "Bundle raw", value: kib(raw), floor: "—", ratio: "—", target: "report", pass: null });
  say(`5. bundle: ${kib(raw)} raw, ${kib(gz)} gzip -9 (uploaded modules); all output files incl. source map ${kib(all)} / ${kib(allGz)}; wrangler: ${b.wranglerSays ?? "?"}`);
}

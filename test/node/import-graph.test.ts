/**
 * The one gate, held structurally: only the dispatcher (src/dunning/dispatch.ts) imports `src/actions/*`, so no
 * path can reach a side effect without passing `gate()` and the dispatcher. Reads the real import graph.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : /\.(ts|tsx)$/.test(name) ? [p] : [];
  });
}

/** Relative import/export specifiers of a file, resolved to absolute paths (static, re-exports and dynamic imports). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const specs = [...text.matchAll(/(?:import|export)\s[^;]*?from\s*["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1] ?? m[2] ?? "");
  return specs.filter((s) => s.startsWith(".")).map((s) => resolve(dirname(file), s));
}

/** Files outside actions/ and the dispatcher that import from actions/. */
function offenders(src: string): string[] {
  const actions = join(src, "actions");
  const dispatcher = join(src, "dunning", "dispatch.ts");
  return files(src).flatMap((file) => {
    if (file.startsWith(actions + "/") || file === dispatcher) return [];
    return importsOf(file)
      .filter((target) => target.startsWith(actions + "/"))
      .map((target) => `${relative(src, file)} imports ${relative(src, target)}`);
  });
}

describe("the one gate, in the import graph", () => {
  it("only the dispatcher imports src/actions/*", () => {
    expect(offenders(join(ROOT, "src"))).toEqual([]);
  });

  it("flags a module that goes around the dispatcher (the check can fail)", () => {
    const src = mkdtempSync(join(tmpdir(), "gate-graph-"));
    const write = (path: string, text: string) => {
      mkdirSync(dirname(join(src, path)), { recursive: true });
      writeFileSync(join(src, path), text);
    };
    write("actions/email.ts", "export const sendTemplateEmail = () => 1;\n");
    write("dunning/dispatch.ts", 'import { sendTemplateEmail } from "../actions/email.ts";\nexport const d = sendTemplateEmail;\n');
    // What lifecycle.ts once did: send the trial email itself.
    write("dunning/lifecycle.ts", 'import {\n  sendTemplateEmail,\n} from "../actions/email.ts";\nexport const l = sendTemplateEmail;\n');
    write("http/late.ts", 'export async function f() { return import("../actions/email.ts"); }\n');
    expect(offenders(src)).toEqual(["dunning/lifecycle.ts imports actions/email.ts", "http/late.ts imports actions/email.ts"]);
  });
});

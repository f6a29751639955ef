/** Adding a locale = adding its file to emails/locales/ and its line in the registry: a file left out fails here. */
import { readdirSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";

const DIR = resolve(import.meta.dirname, "../../emails/locales");

describe("locale files", () => {
  it("every emails/locales/<tag>.ts is listed in the registry", () => {
    const registry = readFileSync(resolve(DIR, "index.ts"), "utf8");
    const files = readdirSync(DIR).filter((f) => f.endsWith(".ts") && f !== "index.ts" && f !== "types.ts");
    expect(files.length).toBeGreaterThanOrEqual(6);
    for (const f of files) expect(registry, `${f} is not imported by emails/locales/index.ts`).toContain(`from "./${f}"`);
  });
});

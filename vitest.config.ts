import { readFile } from "node:fs/promises";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import type { Plugin } from "vite";
import { defineConfig } from "vitest/config";

// wrangler (read by the Cloudflare plugin for wrangler.toml, and by the node tests' harness) logs "Using secrets
// defined in .dev.vars" for every test file once a demo or `npm run dev` has created that file. Warnings and
// errors still print; the bindings the tests need are set explicitly below.
process.env.WRANGLER_LOG ??= "warn";

/** Dependencies that publish source maps whose `sources` are not in the package (Vite warns once per file). */
const MISSING_SOURCE_MAPS = ["stripe", "@google/genai", "standardwebhooks"];

/** `//# sourceMappingURL=…` (or the old `//@` form) on a line of its own. */
const SOURCE_MAP_COMMENT = /^\/\/[#@] sourceMappingURL=.*$/gm;

/**
 * Loads JavaScript from node_modules without its source map. The workers project inlines every dependency
 * (`server.deps.inline = true`, set by the Cloudflare plugin, since workerd cannot import from Node), so Vite
 * reads each dependency's `.map`; most packages publish maps whose `sources` (their TypeScript) are not in the
 * package, and Vite then warns "Sourcemap for … points to missing source files" once per file (~220 lines per
 * run). Stack traces in dependencies point at the published JavaScript instead, which is what is on disk.
 */
function dependencySourcemapsOff(): Plugin {
  return {
    name: "recovery-agent:dependency-sourcemaps-off",
    enforce: "pre",
    async load(id) {
      // Only the packages whose published maps point at missing sources: stripping every dependency's map made some
      // transformed modules (fast-check) too large for the pool's WebSocket when two files load them at once.
      if (!MISSING_SOURCE_MAPS.some((pkg) => id.includes(`/node_modules/${pkg}/`)) || id.includes("?") || !/\.[cm]?js$/.test(id)) return null;
      const code = await readFile(id, "utf8").catch(() => null);
      if (code === null || !code.includes("sourceMappingURL=")) return null;
      return { code: code.replace(SOURCE_MAP_COMMENT, ""), map: null };
    },
  };
}

export default defineConfig({
  test: {
    testTimeout: 30_000,
    silent: "passed-only",
    // Each test file runs in a fresh isolate with its own storage (the default, said explicitly: tests rely on
    // it, and vitest then does not print its "faster with isolate: false" hint after every run).
    isolate: true,
    projects: [
      {
        extends: true,
        plugins: [
          dependencySourcemapsOff(),
          cloudflareTest(async ({ inject }) => {
            const migrations = await readD1Migrations("migrations");
            const fakeUrl = inject<string>("fakeUrl");
            return {
              wrangler: { configPath: "./wrangler.toml" },
              miniflare: {
                bindings: {
                  TEST_MIGRATIONS: migrations,
                  FAKE_URL: fakeUrl,
                  STRIPE_WEBHOOK_SECRET: "whsec_test_primary,whsec_test_rotated",
                  ADMIN_TOKEN: "test-admin-token-0123456789abcdefghij",
                  LINK_SIGNING_SECRET: "test-link-secret",
                  RETRY_BASE_DELAY_SECONDS: "0",
                  PI_ATTRIBUTION_HOLD_SECONDS: "0",
                  // Tests open many cases within a minute; the mass-failure brake has its own test (test/brake.test.ts).
                  BRAKE_FAILURES_PER_HOUR: "100000",
                  // Tests run at any hour of the day; the send windows have their own tests (test/campaign.test.ts).
                  SEND_WINDOWS: "off",
                  APP_URL: "http://recovery.test",
                  // A winback (commercial email) is never sent without the sender's postal address.
                  COMPANY_ADDRESS: "Acme Analytics Inc., 500 Market St, San Francisco, CA 94105",
                },
              },
            };
          }),
        ],
        test: {
          name: "workers",
          include: ["test/**/*.test.ts"],
          exclude: ["test/node/**"],
          globalSetup: ["./test/global-setup.ts"],
        },
      },
      {
        // Tests that need Node itself (a browser, a real wrangler dev server): outside workerd.
        extends: true,
        test: {
          name: "node",
          include: ["test/node/**/*.test.ts"],
          environment: "node",
          testTimeout: 90_000,
          hookTimeout: 90_000,
        },
      },
    ],
  },
});

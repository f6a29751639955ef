import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    testTimeout: 30_000,
    silent: "passed-only",
    projects: [
      {
        extends: true,
        plugins: [
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
                  APP_URL: "http://recovery.test",
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

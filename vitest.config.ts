import { defineConfig } from "vitest/config";

// One convention for the whole repo: tests sit in test/ (cross-package) or mirror src/ under
// <package>/test. Heavy suites (docker, browser) run in forks so a crash cannot take the runner.
export default defineConfig({
  test: {
    include: ["**/test/**/*.test.ts"],
    exclude: ["**/node_modules/**", ".cache/**"],
    pool: "forks",
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: process.env.CI ? ["default"] : ["default"],
  },
});

import { defineConfig } from "vitest/config";

// One convention for the whole repo: tests sit in test/ (cross-package) or mirror src/ under
// <package>/test. Heavy suites (docker, browser) run in forks so a crash cannot take the runner.
// Vitest 4: per-test options go second, `it(name, { timeout: 60_000 }, fn)` (a number as the last
// argument still works; an options object there throws).
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

import { defineConfig } from "vitest/config";

// One convention for the whole repo: tests sit in test/ (cross-package) or mirror src/ under
// <package>/test. Heavy suites (docker, browser) run in forks so a crash cannot take the runner.
// Vitest 4: per-test options go second, `it(name, { timeout: 60_000 }, fn)` (a number as the last
// argument still works; an options object there throws).
//
// Projects: `npm test` runs them all (what CI runs); `npm run check` runs `unit`, the fast default;
// `npx vitest run --project <name>` runs one (docs/architecture.md lists them).
const HEAVY = {
  /** Image bakes and `docker run` against the real dockerd. */
  docker: ["images/test/docker/**/*.test.ts"],
  /** The torch/diffusers reference, the exporter's Python environment, the real-model twins. */
  "real-model": [
    "runtime/test/real-model/**/*.test.ts",
    "images/test/export/stage.test.ts",
    "images/test/export/torch-twin.test.ts",
    "images/test/export/manifest-writer.test.ts",
  ],
  /** API and worker processes over a real redis-server, and moto's S3 and CloudWatch. */
  "scale-out": ["test/scale-out/**/*.test.ts", "runtime/test/queue/**/*.test.ts"],
  /** The page in a real Chromium. */
  browser: ["test/browser/**/*.test.ts"],
};
const EXCLUDE = ["**/node_modules/**", ".cache/**"];

export default defineConfig({
  test: {
    pool: "forks",
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ["default"],
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["**/test/**/*.test.ts"],
          exclude: [...EXCLUDE, ...Object.values(HEAVY).flat()],
        },
      },
      ...Object.entries(HEAVY).map(([name, include]) => ({
        extends: true as const,
        test: { name, include, exclude: EXCLUDE },
      })),
    ],
  },
});

import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { fetchModel } from "../../runtime/src/weights/index.ts";
import { type BenchSuite, figure } from "../types.ts";

// Weights fetch against the loopback Hub of the tests, run in its own process with the link
// throttled on the server side (one shared budget for every connection, like a real uplink).
// Throughput is compared with that link, and with bare GETs on it, in the same run; the cached
// re-runs read the same cache right after.
const MiB = 1024 * 1024;
const serveScript = path.resolve(import.meta.dirname, "../../runtime/test/weights/support/serve.ts");

interface Served {
  url: string;
  cdnUrl: string;
  repo: string;
  files: Array<{ path: string; size: number; sha256: string; lfs: boolean }>;
}

async function startServer(totalMiB: number, linkMiBs: number) {
  const tsx = createRequire(import.meta.url).resolve("tsx");
  const child = spawn(process.execPath, ["--import", tsx, serveScript, String(totalMiB), String(linkMiBs)], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const [line] = await createInterface({ input: child.stdout })
    [Symbol.asyncIterator]()
    .next()
    .then((r) => [r.value]);
  if (!line) throw new Error("the loopback Hub did not start");
  return { served: JSON.parse(line) as Served, stop: () => child.kill("SIGTERM") };
}

async function bodyBytes(hubUrl: string): Promise<number> {
  return ((await (await fetch(`${hubUrl}/__stats`)).json()) as { bodyBytes: number }).bodyBytes;
}

export const suite: BenchSuite = {
  name: "weights",
  async run({ quick, log }) {
    const linkMiBs = quick ? 32 : 64;
    const totalMiB = quick ? 64 : 256;
    const how = `npm run bench -- --only=weights${quick ? " --quick" : ""} (${totalMiB} MiB in 6 files, loopback Hub in its own process, link throttled to ${linkMiBs} MiB/s, concurrency 4)`;
    const { served, stop } = await startServer(totalMiB, linkMiBs);
    const total = served.files.reduce((n, f) => n + f.size, 0);
    const dir = await mkdtemp(path.join(tmpdir(), "i2v-bench-weights-"));
    const options = {
      ref: `${served.repo}@main`,
      endpoint: served.url,
      cacheDir: path.join(dir, "hub"),
      lockFile: path.join(dir, "lock.json"),
      env: {},
    };
    try {
      // The same link drained by bare parallel GETs that discard the bytes: what the link gives.
      const lfs = served.files.filter((f) => f.lfs);
      const rawStarted = performance.now();
      await Promise.all(
        lfs.map(async (f) => {
          const res = await fetch(`${served.cdnUrl}/raw/${f.sha256}`);
          for await (const _ of res.body as unknown as AsyncIterable<Uint8Array>) {
            // discard
          }
        }),
      );
      const rawRate = lfs.reduce((n, f) => n + f.size, 0) / ((performance.now() - rawStarted) / 1000);
      log(`bare GETs on the same link: ${(rawRate / MiB).toFixed(1)} MiB/s`);

      const cold = await fetchModel(options);
      const seconds = cold.timings.totalMs / 1000;
      const rate = total / seconds;
      log(
        `cold fetch: ${(total / MiB).toFixed(0)} MiB in ${seconds.toFixed(2)} s = ${(rate / MiB).toFixed(1)} MiB/s`,
      );

      const before = await bodyBytes(served.url);
      const warm = await fetchModel(options); // sha256 of every cached blob
      const warmBytes = (await bodyBytes(served.url)) - before;
      const sizeOnly = await fetchModel({ ...options, cacheCheck: "size" });
      log(
        `cached re-run: ${warm.timings.totalMs.toFixed(0)} ms with sha256, ` +
          `${sizeOnly.timings.totalMs.toFixed(0)} ms size-only, ${warmBytes} body bytes`,
      );
      const f = (
        name: string,
        value: number,
        unit: string,
        target: number | null,
        better: "higher" | "lower",
      ) => figure({ name: `weights: ${name}`, value, unit, target, better, how });
      return [
        f("download throughput / link rate", rate / (linkMiBs * MiB), "x", 0.9, "higher"),
        f("download throughput / bare GETs on the link", rate / rawRate, "x", null, "higher"),
        f("cached re-run, body bytes sent", warmBytes, "B", 0, "lower"),
        f("cached re-run (sha256 of every blob)", warm.timings.totalMs, "ms", null, "lower"),
        f("cached re-run (--check size)", sizeOnly.timings.totalMs, "ms", null, "lower"),
      ];
    } finally {
      stop();
      await rm(dir, { recursive: true, force: true });
    }
  },
};

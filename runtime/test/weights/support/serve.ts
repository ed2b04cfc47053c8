import { randomBytes } from "node:crypto";
import { startFakeHub } from "./fake-hub.ts";
import { type FakeRepo, makeFile } from "./fixtures.ts";

/**
 * Runs the loopback Hub in its own process (for the bench), so the fetcher's hashing and writing
 * do not share an event loop with the server that models the link. Args: total MiB, link MiB/s.
 * Prints one JSON line: the URLs and the files; GET /__stats on the hub answers the body counters.
 */
const [totalMiB = 64, linkMiBs = 32] = process.argv.slice(2).map(Number);
const MiB = 1024 * 1024;
const shard = Math.floor((totalMiB * MiB) / 4);
const commit = "b".repeat(40);
const repo: FakeRepo = {
  id: "bench/weights",
  commit,
  refs: { main: commit },
  files: [
    ...[0, 1, 2, 3].map((i) => makeFile(`unet/model-0000${i}.onnx`, randomBytes(shard + i), true)),
    makeFile("model_index.json", '{"_class_name":"I2VGenXLPipeline"}\n', false),
    makeFile("unet/config.json", '{"in_channels":4}\n', false),
  ],
};
const hub = await startFakeHub([repo], { bytesPerSecond: linkMiBs * MiB });
const files = repo.files.map((f) => ({ path: f.path, size: f.content.length, sha256: f.sha256, lfs: f.lfs }));
process.stdout.write(`${JSON.stringify({ url: hub.url, cdnUrl: hub.cdnUrl, repo: repo.id, files })}\n`);
process.on("SIGTERM", () => void hub.close().then(() => process.exit(0)));

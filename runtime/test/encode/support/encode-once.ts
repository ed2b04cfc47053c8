/**
 * Child-process entry for the ffmpeg-failure test: findTool caches the ffmpeg it found per process,
 * so a broken I2V_FFMPEG can only be tried in a fresh one. Encodes four grey frames into argv[2]
 * and prints the outcome as one JSON line.
 */
import { Mp4Writer } from "../../../src/encode/mp4-writer.ts";
import { I2vError } from "../../../src/errors.ts";

const out = process.argv[2];
if (!out) throw new Error("usage: encode-once.ts OUT.mp4");
const writer = new Mp4Writer(out);
try {
  await writer.start({ width: 64, height: 64, fps: 8 });
  for (let i = 0; i < 4; i++) await writer.write(new Uint8Array(64 * 64 * 3).fill(128));
  await writer.finish();
  console.log(JSON.stringify({ ok: true }));
} catch (error) {
  await writer.abort();
  const e = error as I2vError;
  console.log(
    JSON.stringify({ ok: false, code: e instanceof I2vError ? e.code : "not-i2v", message: e.message }),
  );
}

import { readFileSync, writeFileSync } from "node:fs";
import { cpuSessions, decoder } from "./decode.ts";

/**
 * One VAE decode at one chunk size, alone in a fresh process: `node --import tsx decode-child.ts
 * DIR CHUNK RESOLUTION FRAMES` prints `{"peakMiB": peak RSS during the decode minus RSS before}`.
 * Linux: the peak (VmHWM) is reset just before the decode (clear_refs 5), so the transient peak of
 * creating the sessions does not hide a small decode's.
 */
const [dir, chunk, resolution, frames] = process.argv.slice(2);
const kib = (field: "VmRSS" | "VmHWM") =>
  Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync("/proc/self/status", "utf8"))?.[1]);
const sessions = await cpuSessions(dir!);
const decode = decoder(sessions, Number(resolution), Number(frames));
writeFileSync("/proc/self/clear_refs", "5");
const before = kib("VmRSS");
await decode(Number(chunk));
const peakMiB = (kib("VmHWM") - before) / 1024;
await sessions.release();
console.log(JSON.stringify({ peakMiB }));

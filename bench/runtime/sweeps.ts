import * as ort from "onnxruntime-node";
import { runtimeOptionsSchema } from "../../runtime/src/pipeline/runtime-options.ts";
import { sessionOptions } from "../../runtime/src/pipeline/sessions.ts";
import { runChild } from "./child.ts";
import { cpuSessions, decoder } from "./decode.ts";
import { interleave, median, time } from "./stats.ts";
import { unetFeeds } from "./unet-feeds.ts";

const CPU = { provider: "cpu" as const, providers: ["cpu"] };

/** A UNet session with the runtime's own session options for these settings. */
function unetSession(file: string, settings: { intraOpThreads?: number; graphOptimizationLevel?: Level }) {
  return ort.InferenceSession.create(file, sessionOptions(runtimeOptionsSchema.parse(settings), CPU));
}

export type Level = "disabled" | "basic" | "all";
export const LEVELS: Level[] = ["disabled", "basic", "all"];

/** Median ms of one UNet step (CFG batch 2) per variant, variants interleaved round by round. */
async function stepTimes<K extends string>(
  sessions: Record<K, ort.InferenceSession>,
  feeds: Record<string, ort.Tensor>,
  rounds: number,
): Promise<Record<K, number>> {
  const keys = Object.keys(sessions) as K[];
  for (const k of keys) await sessions[k].run(feeds); // first-run allocations and kernel choice
  const samples = await interleave(
    Object.fromEntries(keys.map((k) => [k, () => time(() => sessions[k].run(feeds))])) as Record<
      K,
      () => Promise<number>
    >,
    rounds,
  );
  return Object.fromEntries(keys.map((k) => [k, median(samples[k])])) as Record<K, number>;
}

/** UNet step time at intra-op threads 1, 2 and 0 (ORT's choice: one per physical core). */
export async function threadSweep(unetFile: string, resolution: number, frames: number, rounds: number) {
  const sessions = {
    "1": await unetSession(unetFile, { intraOpThreads: 1 }),
    "2": await unetSession(unetFile, { intraOpThreads: 2 }),
    "0": await unetSession(unetFile, { intraOpThreads: 0 }),
  };
  try {
    return await stepTimes(sessions, unetFeeds(resolution, frames), rounds);
  } finally {
    await Promise.all(Object.values(sessions).map((s) => s.release()));
  }
}

/** UNet step time per graph optimization level (no optimized-model cache). */
export async function levelStepSweep(unetFile: string, resolution: number, frames: number, rounds: number) {
  const sessions = Object.fromEntries(
    await Promise.all(
      LEVELS.map(async (l) => [l, await unetSession(unetFile, { graphOptimizationLevel: l })] as const),
    ),
  ) as Record<Level, ort.InferenceSession>;
  try {
    return await stepTimes(sessions, unetFeeds(resolution, frames), rounds);
  } finally {
    await Promise.all(Object.values(sessions).map((s) => s.release()));
  }
}

/** UNet session create time per graph optimization level, no cache, interleaved. */
export async function levelCreateSweep(unetFile: string, rounds: number): Promise<Record<Level, number>> {
  const create = (l: Level) => async () => {
    const started = performance.now();
    const session = await unetSession(unetFile, { graphOptimizationLevel: l });
    const elapsed = performance.now() - started;
    await session.release();
    return elapsed;
  };
  const samples = await interleave(
    Object.fromEntries(LEVELS.map((l) => [l, create(l)])) as Record<Level, () => Promise<number>>,
    rounds,
  );
  return Object.fromEntries(LEVELS.map((l) => [l, median(samples[l])])) as Record<Level, number>;
}

/** VAE decode time per chunk size, in this process on one set of sessions, interleaved; medians. */
export async function decodeTimeSweep(
  dir: string,
  chunks: number[],
  resolution: number,
  frames: number,
  rounds: number,
): Promise<Record<number, number>> {
  const sessions = await cpuSessions(dir);
  try {
    const decode = decoder(sessions, resolution, frames);
    for (const c of chunks) await decode(c); // the arena grows to the largest chunk before timing
    const samples = await interleave(
      Object.fromEntries(chunks.map((c) => [c, () => time(() => decode(c))])),
      rounds,
    );
    return Object.fromEntries(chunks.map((c) => [c, median(samples[c]!)]));
  } finally {
    await sessions.release();
  }
}

/**
 * Peak RSS growth of one VAE decode per chunk size, each in a fresh process so the peak is that
 * chunk size's alone (ORT's arena keeps what it grew to); median of `rounds` processes.
 */
export async function decodePeakSweep(
  dir: string,
  chunks: number[],
  resolution: number,
  frames: number,
  rounds: number,
): Promise<Record<number, number>> {
  const samples = new Map<number, number[]>(chunks.map((c) => [c, []]));
  for (let round = 0; round < rounds; round++) {
    for (const c of chunks) {
      const args = [dir, String(c), String(resolution), String(frames)];
      samples.get(c)!.push((await runChild<{ peakMiB: number }>("decode-child.ts", args)).peakMiB);
    }
  }
  return Object.fromEntries(chunks.map((c) => [c, median(samples.get(c)!)]));
}

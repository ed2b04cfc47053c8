import { type Job, STAGE_NAMES } from "./types.ts";

/** One part of the time to first video. `where` tells a client-side cost from a server-side one. */
export interface Phase {
  name: string;
  ms: number;
  where: "client" | "server";
}

/**
 * The time-to-first-video breakdown: what the client measured (ready wait, upload, download,
 * verify) around what the server reports (queue wait from its timestamps, each pipeline stage,
 * and the rest of its run time as overhead, which should stay small).
 */
export function phasesOf(
  job: Job,
  client: { readyMs: number; uploadMs: number; downloadMs: number; verifyMs: number },
): Phase[] {
  const at = (iso: string | null) => (iso ? Date.parse(iso) : Number.NaN);
  const queueMs = at(job.started_at) - at(job.created_at);
  const runMs = at(job.finished_at) - at(job.started_at);
  const stages = STAGE_NAMES.map((name) => ({
    name,
    ms: job.timings?.[name] ?? 0,
    where: "server" as const,
  }));
  const stageSum = stages.reduce((sum, s) => sum + s.ms, 0);
  return [
    { name: "ready wait", ms: client.readyMs, where: "client" },
    { name: "upload", ms: client.uploadMs, where: "client" },
    { name: "queue wait", ms: Number.isFinite(queueMs) ? Math.max(0, queueMs) : 0, where: "server" },
    ...stages,
    {
      name: "server overhead",
      ms: Number.isFinite(runMs) ? Math.max(0, runMs - stageSum) : 0,
      where: "server",
    },
    { name: "download", ms: client.downloadMs, where: "client" },
    { name: "verify", ms: client.verifyMs, where: "client" },
  ];
}

/** The report as short lines for a terminal. */
export function formatPhases(phases: Phase[]): string[] {
  const width = Math.max(...phases.map((p) => p.name.length));
  return phases.map((p) => `  ${p.name.padEnd(width)}  ${formatMs(p.ms).padStart(9)}  (${p.where})`);
}

export function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`;
}

import pLimit, { type LimitFunction } from "p-limit";
import { Agent, fetch as undiciFetch } from "undici";
import { deadline } from "../../../runtime/src/util/deadline.ts";
import type { Ecosystem } from "../catalog/schema.ts";
import { createProbeResolver, LookupError, type ProbeResolver } from "./resolve.ts";
import { USER_AGENT } from "./user-agent.ts";

/** One thing to measure: a mirror's probe object for one ecosystem. */
export interface ProbeTarget {
  /** Provider name from the catalog, or `upstream`. */
  mirror: string;
  ecosystem: Ecosystem;
  url: string;
  /** HTTP statuses that mean "healthy" (default 200 and 206). */
  accept?: readonly number[];
}

/** What one probe found. Only `ok` results may ever be chosen. */
export interface ProbeResult {
  mirror: string;
  ecosystem: Ecosystem;
  url: string;
  ok: boolean;
  status?: number;
  /** Time to response headers. */
  latencyMs?: number;
  bytes: number;
  /**
   * Body bytes over body time (after the headers). Unlike curl's speed_download this leaves the
   * latency out, which is reported separately: over a short probe a far but fat mirror would
   * otherwise lose to a near thin one, and the real downloads are long.
   */
  throughputBps: number;
  elapsedMs: number;
  /** The global deadline cut the body short; throughput is from what arrived. */
  partial: boolean;
  error?: string;
  /** Served from the on-disk cache rather than measured now. */
  cached?: boolean;
  /** Queued behind its host's cap until the deadline: never measured, so never cached. */
  notStarted?: boolean;
}

export interface ProbeOptions {
  /** Global deadline for the whole probe run (default 5000 ms). Nothing runs past it. */
  deadlineMs?: number;
  /** Requests in flight to one host at a time (default 2): never hammer a mirror. */
  perHostConcurrency?: number;
  /** Bytes asked for with a Range request (default 4 MiB). */
  rangeBytes?: number;
  userAgent?: string;
  signal?: AbortSignal;
  /**
   * Name servers (`ip` or `ip:port`) for the probe's own resolver (default: the system's). Names
   * are resolved by c-ares, once per host, never on libuv's thread pool: see resolve.ts.
   */
  dnsServers?: readonly string[];
  /** Replaces the HTTP client (and with it the probe's resolver); for tests of the measuring alone. */
  fetch?: typeof fetch;
}

export const DEFAULT_PROBE = {
  deadlineMs: 5000,
  perHostConcurrency: 2,
  rangeBytes: 4 * 1024 * 1024,
} as const;

/**
 * Probes all targets in parallel under one deadline and a per-host cap, measuring latency and
 * throughput on a bounded Range request. Never throws for a mirror's fault: failures come back as
 * results with `ok: false` and the reason. Returns results in target order.
 */
export async function probeTargets(
  targets: readonly ProbeTarget[],
  options: ProbeOptions = {},
): Promise<ProbeResult[]> {
  const deadlineMs = options.deadlineMs ?? DEFAULT_PROBE.deadlineMs;
  const { signal, dispose } = deadline(deadlineMs, options.signal);
  const resolver = createProbeResolver({
    signal,
    ...(options.dnsServers ? { servers: options.dnsServers } : {}),
  });
  // A client of its own per run: connections use the run's resolver and end with the run.
  const agent = new Agent({ connect: { lookup: resolver.lookup } });
  const client: Client = {
    resolver,
    fetch:
      options.fetch ??
      ((url, init) =>
        undiciFetch(url, { ...(init as object), dispatcher: agent }) as unknown as Promise<Response>),
  };
  const limits = new Map<string, LimitFunction>();
  const perHost = options.perHostConcurrency ?? DEFAULT_PROBE.perHostConcurrency;
  const running = Promise.all(
    targets.map((target) => {
      const host = hostOf(target.url);
      let limit = limits.get(host);
      if (!limit) {
        limit = pLimit(perHost);
        limits.set(host, limit);
      }
      return limit(() => probeOne(target, signal, client, options));
    }),
  );
  return running.finally(() => {
    dispose();
    resolver.close();
    // Bodies were cancelled or read; what is left open (a hung mirror) is torn down, not awaited.
    void agent.destroy().catch(() => {});
  });
}

interface Client {
  resolver: ProbeResolver;
  fetch: (url: string, init: RequestInit) => Promise<Response>;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

async function probeOne(
  target: ProbeTarget,
  signal: AbortSignal,
  client: Client,
  options: ProbeOptions,
): Promise<ProbeResult> {
  const rangeBytes = options.rangeBytes ?? DEFAULT_PROBE.rangeBytes;
  const accept = target.accept ?? [200, 206];
  const base = { mirror: target.mirror, ecosystem: target.ecosystem, url: target.url };
  const started = performance.now();
  let latencyMs: number | undefined;
  let status: number | undefined;
  let bytes = 0;
  const done = (ok: boolean, extra: Partial<ProbeResult> = {}): ProbeResult => {
    const elapsedMs = performance.now() - started;
    const bodyMs = Math.max(1, elapsedMs - (latencyMs ?? 0));
    const throughputBps = ok ? (bytes * 1000) / bodyMs : 0;
    return { ...base, ok, status, latencyMs, bytes, elapsedMs, throughputBps, partial: false, ...extra };
  };
  // A target still queued behind its host's cap when the deadline passed never starts.
  if (signal.aborted)
    return done(false, { error: "deadline reached before this probe could start", notStarted: true });
  try {
    const response = await client.fetch(target.url, {
      signal,
      redirect: "follow",
      headers: {
        Range: `bytes=0-${rangeBytes - 1}`,
        "User-Agent": options.userAgent ?? USER_AGENT,
        // Compressed transfer would make the byte count mean nothing.
        "Accept-Encoding": "identity",
      },
    });
    latencyMs = performance.now() - started;
    status = response.status;
    if (!accept.includes(response.status)) {
      await response.body?.cancel().catch(() => {});
      return done(false, { error: `HTTP ${response.status}` });
    }
    if (response.body) {
      const reader = response.body.getReader();
      // A server that ignores Range sends everything; stop reading once the budget is spent.
      while (bytes < rangeBytes) {
        const chunk = await reader.read();
        if (chunk.done) break;
        bytes += chunk.value.byteLength;
      }
      if (bytes >= rangeBytes) await reader.cancel().catch(() => {});
    }
    return done(true);
  } catch (error) {
    // The deadline cut a body that was arriving: what came is still an honest measurement.
    if (signal.aborted && bytes > 0) return done(true, { partial: true });
    return done(false, { error: describe(error, signal, client.resolver, hostnameOf(target.url)) });
  }
}

function hostnameOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return url;
  }
}

function describe(error: unknown, signal: AbortSignal, resolver: ProbeResolver, hostname: string): string {
  const cause = (error as { cause?: unknown }).cause;
  if (cause instanceof LookupError) return cause.message;
  if (signal.aborted)
    return resolver.pending(hostname)
      ? `name lookup of ${hostname}: no answer before the deadline`
      : "no answer before the deadline";
  const coded = cause as { code?: string; message?: string } | undefined;
  if (coded?.code) return `${coded.code}${coded.message ? `: ${coded.message}` : ""}`;
  // undici's "fetch failed" says nothing alone; its cause does (e.g. "bad port").
  if (coded?.message) return coded.message;
  return error instanceof Error ? error.message : String(error);
}

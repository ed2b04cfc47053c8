import type { IncomingMessage, ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";

/** A fault applied once to the next body request for a file. */
export type Fault =
  | { kind: "cut"; afterBytes: number }
  | { kind: "stall"; afterBytes: number }
  | { kind: "corrupt" }
  | { kind: "status"; status: number; retryAfter?: string };

/**
 * A shared link: every body byte on every connection reserves its time on it. Like a token bucket
 * with 50 ms of burst, a sender that wakes late may catch up, so timer jitter in this process does
 * not eat into the rate (over any window the link never carries more than rate x time + burst).
 */
export class Link {
  private nextFree = 0;
  constructor(public bytesPerSecond: number | null = null) {}
  async take(bytes: number): Promise<void> {
    if (!this.bytesPerSecond) return;
    const now = performance.now();
    const at = Math.max(now - 50, this.nextFree);
    this.nextFree = at + (bytes / this.bytesPerSecond) * 1000;
    if (at - now > 1) await sleep(at - now);
  }
}

export interface BodyStats {
  bodyBytes: number;
  ranges: Array<{ path: string; range: string | null }>;
}

export const CHUNK = 64 * 1024;

/**
 * Serves file bytes like the Hub and its CDN do: `Accept-Ranges`, single `bytes=a-[b]` ranges
 * (206 with Content-Range, 416 beyond the end), and the configured fault, if any.
 */
export async function sendBody(
  req: IncomingMessage,
  res: ServerResponse,
  content: Buffer,
  headers: Record<string, string>,
  ctx: { path: string; fault: Fault | undefined; link: Link; stats: BodyStats },
): Promise<void> {
  const range = req.headers.range ?? null;
  const { fault } = ctx;
  if (fault?.kind === "status") {
    res.writeHead(fault.status, { ...(fault.retryAfter ? { "retry-after": fault.retryAfter } : {}) });
    res.end("busy");
    return;
  }
  let start = 0;
  let end = content.length - 1;
  const m = range ? /^bytes=(\d+)-(\d*)$/.exec(range) : null;
  if (m) {
    start = Number(m[1]);
    if (m[2]) end = Math.min(end, Number(m[2]));
    if (start >= content.length) {
      res.writeHead(416, { "content-range": `bytes */${content.length}` });
      res.end();
      return;
    }
  }
  const status = m ? 206 : 200;
  res.writeHead(status, {
    ...headers,
    "accept-ranges": "bytes",
    "content-length": String(end - start + 1),
    "content-type": "application/octet-stream",
    ...(m ? { "content-range": `bytes ${start}-${end}/${content.length}` } : {}),
  });
  if (req.method === "HEAD") return void res.end();
  ctx.stats.ranges.push({ path: ctx.path, range });
  let body = content.subarray(start, end + 1);
  if (fault?.kind === "corrupt") {
    body = Buffer.from(body);
    const at = Math.floor(body.length / 2);
    body[at] = (body[at] ?? 0) ^ 0xff;
  }
  for (let at = 0; at < body.length; at += CHUNK) {
    let chunk = body.subarray(at, at + CHUNK);
    const stop =
      fault?.kind === "cut" || fault?.kind === "stall" ? fault.afterBytes : Number.POSITIVE_INFINITY;
    const cutHere = at + chunk.length > stop;
    if (cutHere) chunk = chunk.subarray(0, Math.max(0, stop - at));
    await ctx.link.take(chunk.length);
    ctx.stats.bodyBytes += chunk.length;
    if (res.destroyed) return;
    await new Promise<void>((resolve) => (res.write(chunk) ? resolve() : res.once("drain", resolve)));
    if (cutHere && fault?.kind === "stall") return; // keep the connection open, send nothing more
    if (cutHere) {
      // Let the bytes leave, then drop the connection the way a flaky link does.
      await sleep(20);
      req.socket.destroy();
      return;
    }
  }
  res.end();
}

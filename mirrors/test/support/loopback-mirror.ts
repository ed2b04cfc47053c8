import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";

/** How a fake mirror behaves. */
export interface MirrorBehaviour {
  /** Delay before response headers. */
  latencyMs?: number;
  /** Body rate; unlimited when absent. */
  bytesPerSec?: number;
  /** Size of every object it serves (default 1 MiB). */
  size?: number;
  /**
   * `status`: answer `status` with a tiny body at once; `hang`: accept and never answer;
   * `reset`: send headers and part of the body, then destroy the socket; `ignore-range`: send
   * the whole object with 200.
   */
  fault?: "status" | "hang" | "reset" | "ignore-range";
  status?: number;
  /** Replace the body (e.g. to serve corrupt data for checksum tests). */
  body?: Buffer;
}

/** A running fake mirror on 127.0.0.1 with what it saw. */
export interface LoopbackMirror {
  url: string;
  requests: { path: string; headers: IncomingHttpHeaders }[];
  maxConcurrent: number;
  close(): Promise<void>;
}

/** Deterministic bytes so checksum tests have a stable digest. */
export function objectBytes(size: number): Buffer {
  const buf = Buffer.alloc(size);
  for (let i = 0; i < size; i++) buf[i] = (i * 31 + 7) & 0xff;
  return buf;
}

/** Starts a node:http mirror with the given latency, bandwidth and fault. */
export async function startLoopbackMirror(behaviour: MirrorBehaviour = {}): Promise<LoopbackMirror> {
  const body = behaviour.body ?? objectBytes(behaviour.size ?? 1024 * 1024);
  const sockets = new Set<Socket>();
  let active = 0;
  const state: LoopbackMirror = { url: "", requests: [], maxConcurrent: 0, close: async () => {} };
  const server: Server = createServer((req, res) => {
    state.requests.push({ path: req.url ?? "/", headers: req.headers });
    active++;
    state.maxConcurrent = Math.max(state.maxConcurrent, active);
    res.on("close", () => active--);
    setTimeout(() => respond(behaviour, body, req.headers.range, res), behaviour.latencyMs ?? 0);
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  state.close = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  return state;
}

function respond(b: MirrorBehaviour, body: Buffer, range: string | undefined, res: ServerResponse): void {
  if (b.fault === "hang") return;
  if (b.fault === "status") {
    res.writeHead(b.status ?? 404, { "content-type": "text/plain" });
    res.end("not here\n");
    return;
  }
  let slice = body;
  const match = range && b.fault !== "ignore-range" ? /bytes=(\d+)-(\d*)/.exec(range) : null;
  if (match) {
    const start = Number(match[1]);
    const end = match[2] ? Math.min(Number(match[2]), body.length - 1) : body.length - 1;
    slice = body.subarray(start, end + 1);
    res.writeHead(206, {
      "content-length": slice.length,
      "content-range": `bytes ${start}-${end}/${body.length}`,
    });
  } else {
    res.writeHead(200, { "content-length": slice.length });
  }
  const limit = b.fault === "reset" ? Math.floor(slice.length / 2) : slice.length;
  // Paced in 10 ms ticks so the rate holds for small and large bandwidths alike.
  const perTick = b.bytesPerSec ? Math.max(1, Math.floor(b.bytesPerSec / 100)) : slice.length;
  let sent = 0;
  const tick = () => {
    if (res.destroyed) return;
    const n = Math.min(perTick, limit - sent);
    if (n > 0) res.write(slice.subarray(sent, sent + n));
    sent += n;
    if (sent >= limit) {
      if (b.fault === "reset") res.socket?.destroy();
      else res.end();
      return;
    }
    setTimeout(tick, 10);
  };
  tick();
}

import net from "node:net";

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+|localhost)$/;

/**
 * Makes any socket connection outside 127.0.0.0/8 and ::1 throw before it is opened, for the
 * webhook tests: they exercise an SSRF guard, and must never reach a real private, metadata or
 * public address, not even one expected to fail. Returns the hosts it blocked, and an uninstall.
 */
export function guardLoopbackOnly(): { blocked: string[]; restore(): void } {
  const original = net.Socket.prototype.connect;
  const blocked: string[] = [];
  net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
    const first = args[0];
    const options = (Array.isArray(first) ? first[0] : first) as
      | { host?: string; path?: string }
      | number
      | string;
    const host =
      typeof options === "object" && options !== null
        ? options.path
          ? "localhost"
          : (options.host ?? "localhost")
        : typeof options === "number"
          ? typeof args[1] === "string"
            ? args[1]
            : "localhost"
          : "localhost"; // a path (Unix socket)
    if (!LOOPBACK.test(host)) {
      blocked.push(host);
      throw new Error(`test guard: refused to connect to ${host} (tests stay on loopback)`);
    }
    return (original as (...a: unknown[]) => net.Socket).apply(this, args);
  } as typeof original;
  return {
    blocked,
    restore: () => {
      net.Socket.prototype.connect = original;
    },
  };
}

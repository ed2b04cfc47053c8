import dns from "node:dns";
import { readFileSync } from "node:fs";
import { isIP, type LookupFunction } from "node:net";

/**
 * Name resolution for one probe run, built so that hosts whose lookups stall cannot delay the
 * others. The OS resolver (`getaddrinfo`, what `fetch` uses by default) runs on libuv's thread
 * pool (4 threads): with ~55 lookups at once, a few that the name server never answers hold every
 * thread for glibc's 5 s timeout while reachable registries wait in the queue behind them (seen:
 * every upstream "no answer before the deadline" in a full probe, 40-550 ms when probed alone).
 *
 * Here each host is looked up once per run, by c-ares (`dns.Resolver`: asynchronous sockets, no
 * pool thread, its own short per-try timeout and retries), and cancelled when the run's deadline
 * passes. Names DNS does not know (NXDOMAIN, no records) are looked up in the hosts file, so that
 * a mirror pinned there still works. Not the OS resolver: one getaddrinfo for such a name took 5 s
 * here (the name server drops some of a burst of queries) and the process waited for it to exit.
 */
export interface ProbeResolverOptions {
  /** Name servers as `ip` or `ip:port` (default: the system's, from resolv.conf). Tests point it at loopback. */
  servers?: readonly string[];
  /** Time c-ares gives a name server per try, in ms (c-ares backs off on later tries). */
  tryTimeoutMs?: number;
  /** Tries per name server before a lookup gives up. */
  tries?: number;
  /** The run's deadline: pending lookups are cancelled when it aborts. */
  signal?: AbortSignal;
  /** The hosts file consulted for names DNS does not know (default /etc/hosts). */
  hostsFile?: string;
}

/** An address as `net.connect`'s `lookup` hands it back. */
interface Address {
  address: string;
  family: 4 | 6;
}

/** Why a lookup failed, in the probe's words (the result's `error`). */
export class LookupError extends Error {
  constructor(
    readonly hostname: string,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "LookupError";
  }
}

/** One run's resolver: `lookup` goes into the HTTP agent, `stalled` says whether a host's lookup is still pending. */
export interface ProbeResolver {
  lookup: LookupFunction;
  /** True while this host's lookup has not settled: a deadline hit then was the name server's silence. */
  pending(hostname: string): boolean;
  close(): void;
}

const NOT_IN_DNS = new Set<string>([dns.NOTFOUND, dns.NODATA]);

export function createProbeResolver(options: ProbeResolverOptions = {}): ProbeResolver {
  const resolver = new dns.promises.Resolver({
    timeout: options.tryTimeoutMs ?? 800,
    tries: options.tries ?? 3,
  });
  if (options.servers) resolver.setServers([...options.servers]);
  let hosts: Map<string, Address[]> | undefined;
  const memo = new Map<string, Promise<Address[]>>();
  const settled = new Set<string>();
  const onAbort = () => resolver.cancel();
  options.signal?.addEventListener("abort", onAbort, { once: true });

  const viaDns = async (hostname: string): Promise<Address[]> => {
    const [v4, v6] = await Promise.allSettled([resolver.resolve4(hostname), resolver.resolve6(hostname)]);
    const found: Address[] = [
      ...(v4.status === "fulfilled" ? v4.value.map((address) => ({ address, family: 4 as const })) : []),
      ...(v6.status === "fulfilled" ? v6.value.map((address) => ({ address, family: 6 as const })) : []),
    ];
    if (found.length > 0) return found;
    const code = (v4.status === "rejected" ? (v4.reason as { code?: string }).code : undefined) ?? "ENODATA";
    if (NOT_IN_DNS.has(code)) {
      hosts ??= readHostsFile(options.hostsFile ?? "/etc/hosts");
      const pinned = hosts.get(hostname.toLowerCase());
      if (pinned) return pinned;
      throw new LookupError(hostname, code, `name lookup of ${hostname}: not found (${code})`);
    }
    if (code === dns.CANCELLED || options.signal?.aborted)
      throw new LookupError(
        hostname,
        "ETIMEOUT",
        `name lookup of ${hostname}: no answer before the deadline`,
      );
    if (code === dns.TIMEOUT)
      throw new LookupError(hostname, code, `name lookup of ${hostname}: the name server did not answer`);
    throw new LookupError(hostname, code, `name lookup of ${hostname} failed (${code})`);
  };

  const resolve = (hostname: string): Promise<Address[]> => {
    let found = memo.get(hostname);
    if (!found) {
      found = literal(hostname) ?? viaDns(hostname);
      found.then(
        () => settled.add(hostname),
        () => settled.add(hostname),
      );
      memo.set(hostname, found);
    }
    return found;
  };

  const lookup: LookupFunction = (hostname, lookupOptions, callback) => {
    resolve(hostname).then(
      (addresses) => {
        const family = lookupOptions.family === 4 || lookupOptions.family === 6 ? lookupOptions.family : 0;
        const usable = family ? addresses.filter((a) => a.family === family) : addresses;
        if (usable.length === 0) {
          const error = Object.assign(new Error(`no IPv${family} address for ${hostname}`), {
            code: "ENOTFOUND",
          });
          callback(error as NodeJS.ErrnoException, "", 4);
        } else if (lookupOptions.all) callback(null, usable);
        else callback(null, (usable[0] as Address).address, (usable[0] as Address).family);
      },
      (error: Error) => callback(error as NodeJS.ErrnoException, "", 4),
    );
  };

  return {
    lookup,
    pending: (hostname) => memo.has(hostname) && !settled.has(hostname),
    close: () => {
      options.signal?.removeEventListener("abort", onAbort);
      resolver.cancel();
    },
  };
}

/** IP literals and the names RFC 6761 reserves for loopback need no lookup at all. */
function literal(hostname: string): Promise<Address[]> | undefined {
  const bare = hostname.replace(/^\[|\]$/g, "");
  const version = isIP(bare);
  if (version) return Promise.resolve([{ address: bare, family: version as 4 | 6 }]);
  if (hostname === "localhost" || hostname.endsWith(".localhost"))
    return Promise.resolve([
      { address: "127.0.0.1", family: 4 },
      { address: "::1", family: 6 },
    ]);
  return undefined;
}

/** name -> addresses from a hosts(5) file; an unreadable file is an empty one. */
function readHostsFile(file: string): Map<string, Address[]> {
  const table = new Map<string, Address[]>();
  let text = "";
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return table;
  }
  for (const line of text.split("\n")) {
    const [address, ...names] = (line.split("#")[0] ?? "").trim().split(/\s+/);
    const family = address ? isIP(address) : 0;
    if (!address || !family) continue;
    for (const name of names) {
      const key = name.toLowerCase();
      table.set(key, [...(table.get(key) ?? []), { address, family: family as 4 | 6 }]);
    }
  }
  return table;
}

import ipaddr from "ipaddr.js";

/**
 * Which addresses a webhook may be delivered to. Only globally routable unicast addresses by
 * default: loopback, private (RFC 1918, unique-local), link-local (169.254/16, where cloud
 * metadata lives), carrier-grade NAT (100.64/10, Alibaba Cloud's metadata 100.100.100.200),
 * multicast, reserved and the rest of ipaddr.js's special ranges are refused.
 * I2V_WEBHOOK_ALLOW_HOSTS names exceptions: host names, addresses or CIDRs (local receivers).
 */
export interface AllowList {
  hosts: ReadonlySet<string>;
  cidrs: ReadonlyArray<[ipaddr.IPv4 | ipaddr.IPv6, number]>;
}

export const EMPTY_ALLOW_LIST: AllowList = { hosts: new Set(), cidrs: [] };

/** Parses `host,10.0.0.0/8,127.0.0.1`; returns the problems (`entry: why`) instead of throwing. */
export function parseAllowList(text: string): { allow: AllowList; problems: string[] } {
  const hosts = new Set<string>();
  const cidrs: Array<[ipaddr.IPv4 | ipaddr.IPv6, number]> = [];
  const problems: string[] = [];
  for (const raw of text.split(",")) {
    const entry = raw
      .trim()
      .toLowerCase()
      .replace(/^\[(.*)\]$/, "$1");
    if (!entry) continue;
    if (entry.includes("/")) {
      try {
        cidrs.push(ipaddr.parseCIDR(entry));
      } catch {
        problems.push(`${raw.trim()}: not a CIDR (e.g. 10.0.0.0/8 or fd00::/8)`);
      }
    } else if (ipaddr.isValid(entry)) {
      const address = normalize(ipaddr.parse(entry));
      cidrs.push([address, address.kind() === "ipv4" ? 32 : 128]);
    } else if (/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(entry)) {
      hosts.add(entry);
    } else {
      problems.push(`${raw.trim()}: not a host name, an address or a CIDR`);
    }
  }
  return { allow: { hosts, cidrs }, problems };
}

/** IPv4-mapped IPv6 (::ffff:10.0.0.1) is judged as the IPv4 address it is. */
function normalize(address: ipaddr.IPv4 | ipaddr.IPv6): ipaddr.IPv4 | ipaddr.IPv6 {
  return address.kind() === "ipv6" && (address as ipaddr.IPv6).isIPv4MappedAddress()
    ? (address as ipaddr.IPv6).toIPv4Address()
    : address;
}

/** Whether an address literal is inside one of the allowed CIDRs. */
export function addressAllowed(address: string, allow: AllowList): boolean {
  if (!ipaddr.isValid(address)) return false;
  const parsed = normalize(ipaddr.parse(address));
  return allow.cidrs.some(([net, bits]) => net.kind() === parsed.kind() && parsed.match(net, bits));
}

/**
 * Why an address may not be called, or null when it may: public unicast, or allowed by the list.
 * The one decision behind the check at submission (literal addresses), after DNS resolution and
 * on each redirect.
 */
export function addressRefusal(address: string, allow: AllowList): string | null {
  if (!ipaddr.isValid(address)) return `${address} is not an IP address`;
  if (addressAllowed(address, allow)) return null;
  const range = normalize(ipaddr.parse(address)).range();
  if (range === "unicast") return null;
  return `${address} is a ${range} address; only public addresses are called (I2V_WEBHOOK_ALLOW_HOSTS allows local receivers)`;
}

/** Whether a host (a name, or an address literal) is listed, which also permits plain http. */
export function hostListed(host: string, allow: AllowList): boolean {
  const bare = host.toLowerCase().replace(/^\[(.*)\]$/, "$1");
  return allow.hosts.has(bare) || addressAllowed(bare, allow);
}

/** Whether a string is an IP address literal (URL hosts may bracket IPv6). */
export function isAddressLiteral(host: string): boolean {
  return ipaddr.isValid(host.replace(/^\[(.*)\]$/, "$1"));
}

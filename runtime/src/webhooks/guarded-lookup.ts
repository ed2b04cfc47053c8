import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import type { LookupFunction } from "node:net";
import { type AllowList, addressRefusal, hostListed } from "./address-policy.ts";

/** A resolver with dns.lookup's `all: true` shape, injectable so tests never query real DNS. */
export type Resolve = (host: string) => Promise<LookupAddress[]>;

const systemResolve: Resolve = (host) =>
  new Promise((resolve, reject) =>
    dnsLookup(host, { all: true, verbatim: true }, (error, addresses) =>
      error ? reject(error) : resolve(addresses),
    ),
  );

/** A refused destination: the request never connects. */
export class WebhookRefusedError extends Error {
  readonly code = "EWEBHOOKREFUSED";
  constructor(message: string) {
    super(message);
    this.name = "WebhookRefusedError";
  }
}

/**
 * The addresses of `host` a webhook may connect to: all of them for a listed host, else only
 * those the address policy allows. Refuses the host when any address is refused, so a name that
 * resolves to a public and a private address (DNS rebinding) is not called at all.
 */
export function permittedAddresses(
  host: string,
  addresses: LookupAddress[],
  allow: AllowList,
): LookupAddress[] {
  if (addresses.length === 0) throw new WebhookRefusedError(`${host} has no address`);
  if (hostListed(host, allow)) return addresses;
  for (const { address } of addresses) {
    const refusal = addressRefusal(address, allow);
    if (refusal) throw new WebhookRefusedError(`${host} resolves to ${refusal}`);
  }
  return addresses;
}

/**
 * The `lookup` for the webhook's HTTP agent: resolves, checks, and hands the socket only the
 * checked addresses, so what is connected to is exactly what was checked (no second resolution).
 */
export function guardedLookup(allow: AllowList, resolve: Resolve = systemResolve): LookupFunction {
  return (host, options, callback) => {
    resolve(host)
      .then((addresses) => {
        const permitted = permittedAddresses(host, addresses, allow);
        const family = typeof options === "object" ? options.family : undefined;
        const usable =
          family === 4 || family === 6 ? permitted.filter((a) => a.family === family) : permitted;
        if (usable.length === 0) throw new WebhookRefusedError(`${host} has no IPv${family} address`);
        if (typeof options === "object" && options.all) callback(null, usable);
        else callback(null, usable[0]?.address ?? "", usable[0]?.family ?? 4);
      })
      .catch((error: NodeJS.ErrnoException) => callback(error, "", 4));
  };
}

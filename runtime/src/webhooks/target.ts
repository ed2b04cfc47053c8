import { type AllowList, addressRefusal, hostListed, isAddressLiteral } from "./address-policy.ts";

/**
 * Checks a webhook URL before anything connects to it: at submission, and for each redirect's
 * Location. https only, unless the host is on I2V_WEBHOOK_ALLOW_HOSTS; an address literal must
 * pass the address policy here (Node does not look literals up, so the DNS-time check would not
 * see them). Names are checked after resolution (guarded-lookup.ts). Returns the URL, or why not.
 */
export function checkWebhookUrl(text: string, allow: AllowList): { url: URL } | { problem: string } {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { problem: "must be an absolute URL such as https://example.com/hooks/i2v" };
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  const listed = hostListed(host, allow);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && listed)) {
    return {
      problem: `must be https (got ${url.protocol.replace(":", "")}); plain http only for hosts on I2V_WEBHOOK_ALLOW_HOSTS`,
    };
  }
  if (url.username || url.password)
    return { problem: "must not carry credentials; use the signature to authenticate" };
  if (isAddressLiteral(host)) {
    const refusal = addressRefusal(host, allow);
    if (refusal) return { problem: refusal };
  } else if (!listed && (host === "localhost" || host.endsWith(".localhost"))) {
    return {
      problem: `${host} is loopback; only public addresses are called (I2V_WEBHOOK_ALLOW_HOSTS allows local receivers)`,
    };
  }
  return { url };
}

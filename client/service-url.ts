import { ClientError } from "./api-error.ts";

/**
 * Checks a runtime's base URL before anything connects to it. Without a scheme `new URL` either
 * throws (`127.0.0.1:7860`) or takes the host for the scheme (`localhost:7860` is scheme
 * `localhost:`), and the old smoke test then retried that for ten minutes.
 */
export function parseServiceUrl(raw: string): URL {
  const guess = `http://${raw.replace(/^[a-z+.-]*:\/\//i, "")}`;
  let url: URL | undefined;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  if (!url || !/^https?:$/.test(url.protocol) || !url.hostname) {
    const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(raw)?.[1];
    throw new ClientError(
      "invalid_url",
      scheme && scheme !== "http" && scheme !== "https"
        ? `--url ${raw}: the runtime speaks http or https, not ${scheme}.`
        : `--url ${raw} has no scheme (http:// or https://).`,
      `Write it in full, e.g. --url ${guess} (npm start serves plain HTTP; a deployment prints its https:// URL).`,
    );
  }
  return url;
}

/** True for hosts on this machine, where a refused connection means nothing is running there. */
export function isLoopback(url: URL): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, "");
  return host === "localhost" || host.endsWith(".localhost") || /^127\./.test(host) || host === "::1";
}

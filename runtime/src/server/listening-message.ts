/**
 * The start-up line. Bound to every interface (a container, a cloud box), the service is reached
 * at the machine's own addresses, so the line says so rather than naming only 127.0.0.1, which
 * read as "local only" in a container's log. `url` is the address that works from this machine.
 */
export function listeningMessage(host: string, url: string): string {
  if (host !== "0.0.0.0" && host !== "::") return `listening on ${url}`;
  const { port, protocol } = new URL(url);
  const scheme = protocol.replace(/:$/, "");
  return `listening on every interface (${host === "::" ? "[::]" : host}:${port}): ${scheme}://<this machine's address>:${port}; from this machine ${url}`;
}

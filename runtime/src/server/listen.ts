import { createServer as createHttpsServer, type Server as HttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import type { Logger } from "pino";
import type { ServiceConfig } from "../config/service-config.ts";
import { readTlsFiles, type TlsMaterial } from "./tls.ts";

/**
 * Listens at once (so /livez answers during the model load), over TLS only when the config names
 * a certificate (a plain-HTTP request then fails the handshake and is closed, so a token is never
 * sent in clear to this port). Slow clients cannot hold a connection open forever: headers and the
 * whole request body must arrive within their deadlines. Node checks them every
 * `connectionsCheckingInterval` (30 s by default, which would let a slow-headers client stay up to
 * 50 s), so check more often. Every role listens through here.
 */
export async function listen(
  app: { fetch: (request: Request) => Response | Promise<Response> },
  config: ServiceConfig,
  logger: Logger,
  preRead?: TlsMaterial,
) {
  const tls = preRead ?? (config.tls ? await readTlsFiles(config.tls) : undefined);
  const timeouts = {
    headersTimeout: config.headersTimeoutMs,
    requestTimeout: config.requestTimeoutMs,
    connectionsCheckingInterval: Math.min(5000, config.headersTimeoutMs / 2),
  };
  const server = tls
    ? serve({
        fetch: app.fetch,
        port: config.port,
        hostname: config.host,
        createServer: createHttpsServer,
        serverOptions: { ...timeouts, cert: tls.cert, key: tls.key },
      })
    : serve({ fetch: app.fetch, port: config.port, hostname: config.host, serverOptions: timeouts });
  server.setTimeout(0);
  await new Promise<void>((resolve, reject) => {
    server.once("listening", resolve);
    server.once("error", reject);
  });
  const address = server.address() as AddressInfo;
  const url = `${tls ? "https" : "http"}://${config.host === "0.0.0.0" ? "127.0.0.1" : config.host}:${address.port}`;
  if (tls) logger.info({ valid_to: tls.validTo, names: tls.names }, "serving HTTPS");

  /** Re-reads the PEM files for new connections; a broken file throws and the old one keeps serving. */
  async function reloadCertificate() {
    if (!config.tls) return;
    const fresh = await readTlsFiles(config.tls);
    (server as HttpsServer).setSecureContext({ cert: fresh.cert, key: fresh.key });
    logger.info({ valid_to: fresh.validTo, names: fresh.names }, "certificate reloaded");
  }
  return { server, url, reloadCertificate };
}

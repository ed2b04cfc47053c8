import path from "node:path";
import { serveStatic } from "@hono/node-server/serve-static";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { cors } from "hono/cors";
import { I2vError } from "../errors.ts";
import { bearerAuth } from "./auth.ts";
import { rateLimit } from "./rate-limit.ts";
import { jobRoutes } from "./routes/jobs.ts";
import { systemRoutes } from "./routes/system.ts";
import type { Service } from "./service.ts";

/** The challenge on every 401 (RFC 6750 section 3). */
export const UNAUTHORIZED_CHALLENGE = 'Bearer realm="i2v"';

/** The page's static files, shipped with the runtime. */
export const WEB_DIR = path.resolve(import.meta.dirname, "../../web");

/**
 * Builds the HTTP app. `main.ts` only listens and handles signals; tests call `app.request()`
 * in-process. Every error leaves as `{error: {code, message, hint}}` with the registry's status.
 */
export function createApp(service: Service): Hono {
  const app = new Hono();
  const { config } = service;

  app.onError((error, c) => {
    const known = error instanceof I2vError ? error : undefined;
    if (!known) service.logger.error({ err: error, path: c.req.path }, "unhandled error");
    const failure = known ?? new I2vError("internal", "Internal error.");
    if (failure.status < 500 || failure.code === "model_not_ready" || failure.code === "shutting_down") {
      service.metrics.refusals.inc({ reason: failure.code });
    }
    const retryAfter = failure.details?.retry_after_s;
    if (typeof retryAfter === "number") c.header("Retry-After", String(retryAfter));
    if (failure.code === "shutting_down" || failure.code === "model_not_ready") c.header("Retry-After", "5");
    // RFC 6750: a 401 names the scheme, so generic clients know to send a bearer token.
    if (failure.status === 401) c.header("WWW-Authenticate", UNAUTHORIZED_CHALLENGE);
    return c.json({ error: failure.toJSON() }, failure.status as 400);
  });
  app.notFound((c) =>
    c.json(
      {
        error: new I2vError(
          "not_found",
          `No route ${c.req.method} ${c.req.path}.`,
          undefined,
          "See /openapi.json for the routes.",
        ).toJSON(),
      },
      404,
    ),
  );

  if (config.corsOrigins.length > 0)
    app.use("*", cors({ origin: config.corsOrigins, allowHeaders: ["Authorization", "Content-Type"] }));
  app.use("*", rateLimit(config.rateLimitPerMin));
  app.use("*", bearerAuth(config.token));
  app.use(
    "/v1/*",
    bodyLimit({
      maxSize: config.maxBodyBytes,
      onError: () => {
        throw new I2vError(
          "payload_too_large",
          `The request body is larger than ${config.maxBodyBytes} bytes.`,
        );
      },
    }),
  );

  app.route("/", systemRoutes(service));
  app.route("/v1/jobs", jobRoutes(service));
  const root = path.relative(process.cwd(), WEB_DIR) || ".";
  // The page's files are small and never fetched in ranges; serveStatic answers a backwards range
  // (`bytes=5-2`, or past the end) with a 500 from createReadStream, so ranges are ignored here.
  app.use("/*", async (c, next) => {
    if (c.req.method === "GET" && !c.req.path.startsWith("/v1/")) c.req.raw.headers.delete("range");
    return next();
  });
  app.get("/", serveStatic({ root, path: "index.html" }));
  app.get("/*", serveStatic({ root }));
  return app;
}

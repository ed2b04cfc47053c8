import { createHash, timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";
import { I2vError } from "../errors.ts";

/** The API: everything but /livez and the page's static files needs the token. */
const PROTECTED = [/^\/v1\//, /^\/metrics$/, /^\/readyz$/, /^\/openapi\.json$/];

/**
 * Bearer-token auth when a token is configured: `Authorization: Bearer <token>`, or
 * `?access_token=` for the routes a browser opens without headers (EventSource, <video src>).
 * Compared in constant time over digests, so neither content nor length leaks.
 */
export function bearerAuth(token: string | undefined): MiddlewareHandler {
  const expected = token ? digest(token) : undefined;
  return async (c, next) => {
    if (!expected || !PROTECTED.some((p) => p.test(c.req.path))) return next();
    const header = c.req.header("authorization") ?? "";
    const given = header.startsWith("Bearer ") ? header.slice(7) : (c.req.query("access_token") ?? "");
    if (!given || !timingSafeEqual(digest(given), expected)) {
      throw new I2vError(
        "unauthorized",
        given ? "The token is not valid." : "This service requires a token.",
      );
    }
    return next();
  };
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value).digest();
}

import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";

/** A signing secret for tests, in the whsec_ form I2V_WEBHOOK_SECRET takes. */
export const SECRET = `whsec_${Buffer.from("webhook-test-secret-0123456789").toString("base64")}`;

/** One call the receiver got, with the outcome of verifying its Standard Webhooks signature. */
export interface ReceivedCall {
  path: string;
  headers: Record<string, string>;
  body: string;
  /** The verified payload, or undefined when the signature did not verify. */
  verified: unknown;
  verifyError: string | undefined;
}

/** What to answer: a status, a redirect, or never answering at all. */
export type Answer = number | { status: number; location: string } | "hang";

/**
 * A real webhook receiver on 127.0.0.1 that verifies every call's signature with the
 * standardwebhooks library (as a user's receiver would) and answers what the test says.
 */
export async function startReceiver(secret: string, answer: (call: ReceivedCall, index: number) => Answer) {
  const calls: ReceivedCall[] = [];
  const verifier = new Webhook(secret);
  const hanging: ServerResponse[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = "";
    req.on("data", (chunk) => {
      body += chunk;
    });
    req.on("end", () => {
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
      let verified: unknown;
      let verifyError: string | undefined;
      try {
        verified = verifier.verify(body, headers);
      } catch (error) {
        verifyError = (error as Error).message;
      }
      const call = { path: req.url ?? "/", headers, body, verified, verifyError };
      calls.push(call);
      const reply = answer(call, calls.length - 1);
      if (reply === "hang") hanging.push(res);
      else if (typeof reply === "number") res.writeHead(reply).end();
      else res.writeHead(reply.status, { location: reply.location }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    calls,
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

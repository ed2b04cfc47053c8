import { connect } from "node:tls";

/**
 * Whether host:port completes a TLS handshake (any certificate). Asked when a plain-HTTP request
 * was accepted and closed without an answer: an HTTPS server does that to plain HTTP, and so does
 * Docker's port proxy while the container starts, so the handshake tells the two apart.
 */
export function speaksTls(host: string, port: number, timeoutMs = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, rejectUnauthorized: false });
    const done = (answer: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(answer);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once("secureConnect", () => done(true));
    socket.once("error", () => done(false));
  });
}

import { createSocket } from "node:dgram";
import type { AddressInfo } from "node:net";
import * as packet from "dns-packet";

/** How a loopback name server treats names: an address (A), silence, or (anything else) NXDOMAIN. */
export interface DnsZone {
  /** name -> IPv4 address answered for A queries (AAAA gets an empty NOERROR answer). */
  a: Record<string, string>;
  /** Names whose queries are read and never answered, as a name server that drops them does. */
  silent: (name: string) => boolean;
}

/** A running name server on 127.0.0.1 (UDP) with the queries it saw. */
export interface LoopbackDns {
  /** `127.0.0.1:port`, for a resolver's server list. */
  server: string;
  queries: { name: string; type: string }[];
  close(): Promise<void>;
}

/** Starts a real DNS server (RFC 1035 over UDP, encoded by dns-packet) for one test. */
export async function startLoopbackDns(zone: DnsZone): Promise<LoopbackDns> {
  const socket = createSocket("udp4");
  const queries: LoopbackDns["queries"] = [];
  socket.on("message", (message, from) => {
    const query = packet.decode(message);
    const question = query.questions?.[0];
    if (!question) return;
    const name = question.name.toLowerCase();
    queries.push({ name, type: question.type });
    if (zone.silent(name)) return;
    const address = zone.a[name];
    const answers: packet.Answer[] =
      address && question.type === "A" ? [{ type: "A", name: question.name, ttl: 60, data: address }] : [];
    const reply = packet.encode({
      id: query.id,
      type: "response",
      flags: packet.RECURSION_DESIRED | packet.RECURSION_AVAILABLE | (address ? 0 : 3), // rcode 3: NXDOMAIN
      questions: [question],
      answers,
    });
    socket.send(reply, from.port, from.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  const { port } = socket.address() as AddressInfo;
  return {
    server: `127.0.0.1:${port}`,
    queries,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

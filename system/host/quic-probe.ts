// Reachability of a QUIC endpoint (the mesh's transport, 4433/udp) without a QUIC stack: a client Initial with a
// reserved version makes any QUIC server answer with a Version Negotiation packet (RFC 9000 section 6), so an answer
// proves a QUIC server is listening there. TCP or ICMP would say nothing about a UDP service.
import { randomBytes } from "node:crypto";
import { createSocket } from "node:dgram";
import { lookup } from "node:dns/promises";

/** Sends one probe datagram to host:port and waits up to `timeoutMs` for a Version Negotiation answer. */
export async function probeQuic(host: string, port: number, timeoutMs = 1500): Promise<{ ok: boolean; detail: string; ms: number }> {
  const started = Date.now();
  let address: { address: string; family: number };
  try {
    // getaddrinfo cannot be cancelled and may take many seconds without a network: give up on it after the timeout
    address = await Promise.race([
      lookup(host.replace(/^\[|\]$/g, "")),
      new Promise<never>((_, reject) => setTimeout(() => reject(Object.assign(new Error("timeout"), { code: `no answer within ${timeoutMs} ms` })), timeoutMs).unref()),
    ]);
  } catch (e) {
    return { ok: false, detail: `cannot resolve ${host}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, ms: Date.now() - started };
  }
  const dcid = randomBytes(8);
  const packet = Buffer.alloc(1200); // a client Initial must be at least 1200 bytes or servers drop it
  packet[0] = 0xc0 | (randomBytes(1)[0] ?? 0) & 0x0f; // long header
  packet.writeUInt32BE(0x1a2a3a4a, 1); // a reserved version: never supported, so always negotiated
  packet[5] = 8;
  dcid.copy(packet, 6);
  packet[14] = 8;
  randomBytes(8).copy(packet, 15);
  const socket = createSocket(address.family === 6 ? "udp6" : "udp4");
  return new Promise((resolve) => {
    const done = (ok: boolean, detail: string) => {
      clearTimeout(timer);
      socket.close();
      resolve({ ok, detail, ms: Date.now() - started });
    };
    const timer = setTimeout(() => done(false, `no QUIC answer from ${host}:${port} within ${timeoutMs} ms`), timeoutMs);
    socket.on("message", (msg) => {
      // Version Negotiation: long header, version 0, and it echoes our connection ID as its source ID
      if (msg.length >= 7 && (msg[0] ?? 0) & 0x80 && msg.readUInt32BE(1) === 0) done(true, `${host}:${port} answers QUIC`);
    });
    socket.on("error", (e) => done(false, `${host}:${port}: ${e.message}`));
    socket.send(packet, port, address.address);
  });
}

// Publishing on the node's local NATS bus (mesh.nats_url), which the mesh daemon bridges to the mesh: the plain NATS
// text protocol (CONNECT, PUB, PING/PONG) over one short-lived TCP connection, so a message is on the server when
// publish() resolves. Used for mesh pub/sub topics such as alerts.
import { connect } from "node:net";
import { AppError } from "../errors";
import type { System } from "../system";
import { splitHostPort } from "./probe";

/** A NATS subject: dot-separated tokens without spaces or wildcards. */
const SUBJECT = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

/** Publishes `payload` (JSON-encoded unless it is a string) on `subject`; resolves once the server has it (PONG). */
export function publishToBus(sys: System, subject: string, payload: unknown, timeoutMs = 2000): Promise<void> {
  if (!SUBJECT.test(subject)) return Promise.reject(new AppError("INVALID_INPUT", `expected a NATS subject like io.mycompany.alerts.disk_full, got ${JSON.stringify(subject)}`));
  const url = sys.config.current().mesh.nats_url;
  const { host, port } = splitHostPort(url.replace(/^nats:\/\//, ""));
  const body = Buffer.from(typeof payload === "string" ? payload : JSON.stringify(payload));
  return new Promise((resolve, reject) => {
    const sock = connect({ host, port: port ?? 4222, timeout: timeoutMs });
    let buf = "";
    let sent = false;
    const fail = (why: string) => {
      sock.destroy();
      reject(new AppError("UNAVAILABLE", `cannot publish on the NATS bus at ${url}: ${why}`));
    };
    sock.on("data", (d: Buffer) => {
      buf += d.toString("latin1");
      if (!sent && /^INFO .*\r\n/.test(buf)) {
        sent = true;
        buf = "";
        sock.write(`CONNECT {"verbose":false,"pedantic":false,"name":"maculaos"}\r\nPUB ${subject} ${body.length}\r\n`);
        sock.write(body);
        sock.write("\r\nPING\r\n");
      } else if (sent && buf.includes("-ERR")) fail(buf.trim());
      else if (sent && buf.includes("PONG\r\n")) {
        sock.end();
        resolve();
      }
    });
    sock.once("timeout", () => fail(`no answer within ${timeoutMs} ms`));
    sock.once("error", (e) => fail(e.message));
  });
}

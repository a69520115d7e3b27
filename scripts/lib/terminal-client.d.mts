// Types of terminal-client.mjs for the TypeScript tests.

/** Bytes processed between acknowledgements. */
export const ACK_STEP: number;
/** The ws:// URL of the terminal on `base` with `params` in the query. */
export function terminalUrl(base: string, params?: Record<string, string | number | undefined>): string;
/** Tries the handshake with `headers`; resolves with the HTTP status (101 when upgraded). */
export function handshakeStatus(base: string, headers: Record<string, string>, params?: Record<string, string | number | undefined>): Promise<number>;
/** Options of TermClient.connect. */
export interface ConnectOptions {
  cookie?: string;
  origin?: string;
  id?: string;
  from?: number;
  cols?: number;
  rows?: number;
  onData?: (data: Buffer) => void;
  process?: (data: Buffer) => Promise<void>;
  keepText?: boolean;
}
/** One connection to one shell. */
export class TermClient {
  static connect(base: string, opts?: ConnectOptions): Promise<TermClient>;
  id: string;
  offset: number;
  start: number;
  text: string;
  exit: string | null;
  messages: number;
  closed: Promise<{ code: number; reason: string }>;
  ack(): void;
  type(text: string): void;
  resize(cols: number, rows: number): void;
  waitFor(re: RegExp, ms?: number): Promise<RegExpExecArray>;
  close(): Promise<{ code: number; reason: string }>;
  /** The underlying socket. */
  ws: import("ws").WebSocket;
}

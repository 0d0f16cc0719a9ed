// Runs one fuzz case over real loopback sockets: a raw peer writes the case's bytes in random
// chunks to a live rxws endpoint (a server, or a client), answers its close, and reads back its
// pongs and close frame; the rxws side's messages$ is recorded. `checkCase` compares what both
// sides saw with the reference model (frame-model.ts).
import { randomBytes } from 'node:crypto';
import * as net from 'node:net';
import { firstValueFrom, throwError, timeout } from 'rxjs';
import { ProtocolError, WebSocketServer, openConnection, type Connection, type Message, type RxwsError } from '../../src';
import { FrameReader } from '../helpers/raw-peer';
import { onRequest, switchingProtocols } from '../helpers/raw-server';
import { FUZZ_LIMITS, encodeCase, encodeRawFrame, expectedOf, type Case, type Delivered, type Role } from './frame-model';

export interface Observed {
  /** What the rxws side emitted, close event last. */
  messages: Message[];
  /** Pong payloads the peer received, in order. */
  pongs: Buffer[];
  /** The first close frame the peer received: its code (1005 for an empty payload), if any. */
  closeCode: number | undefined;
  errors: RxwsError[];
}

const CONNECTION_OPTIONS = { ...FUZZ_LIMITS, closeTimeoutMs: 1000 };
const ALIVE = Buffer.from('alive');

/** A live rxws endpoint and a way to get a raw peer connected to it. */
export interface Endpoint {
  role: Role;
  /** Opens a connection: the raw peer's socket and the rxws side's Connection. */
  open(): Promise<{ raw: net.Socket; conn: Connection }>;
  /** Errors reported by the server itself (handler failures): must stay empty. */
  serverErrors: RxwsError[];
  close(): Promise<void>;
}

export async function startServerEndpoint(): Promise<Endpoint> {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1', ...CONNECTION_OPTIONS, handshakeTimeoutMs: 2000 });
  const serverErrors: RxwsError[] = [];
  server.errors$.subscribe((e) => serverErrors.push(e));
  const waiting: Array<(c: Connection) => void> = [];
  server.route({ path: '/' }).connections$.subscribe((c) => waiting.shift()?.(c));
  const { port } = await server.listen();
  return {
    role: 'server',
    serverErrors,
    open: async () => {
      const conn = new Promise<Connection>((resolve) => waiting.push(resolve));
      const raw = net.connect(port, '127.0.0.1');
      raw.setNoDelay(true);
      raw.on('error', () => undefined);
      raw.write(
        `GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      );
      // Read the 101 head off the socket before handing it over (nothing else comes until we write).
      await new Promise<void>((resolve, reject) => {
        let head = '';
        const onData = (chunk: Buffer) => {
          head += chunk.toString('latin1');
          if (!head.includes('\r\n\r\n')) return;
          raw.off('data', onData);
          if (!head.startsWith('HTTP/1.1 101')) reject(new Error(`upgrade failed: ${head.split('\r\n')[0]}`));
          else resolve();
        };
        raw.on('data', onData);
      });
      return { raw, conn: await conn };
    },
    close: () => server.close({ timeoutMs: 200 }),
  };
}

export async function startClientEndpoint(): Promise<Endpoint> {
  const sockets = new Set<net.Socket>();
  const waiting: Array<(s: net.Socket) => void> = [];
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.setNoDelay(true);
    onRequest(socket, (request) => {
      socket.write(switchingProtocols(request.key));
      waiting.shift()?.(socket);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    role: 'client',
    serverErrors: [],
    open: async () => {
      const raw = new Promise<net.Socket>((resolve) => waiting.push(resolve));
      const conn = await openConnection(`ws://127.0.0.1:${port}/`, CONNECTION_OPTIONS);
      return { raw: await raw, conn };
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function until(done: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  return true;
}

/** Runs one case against an endpoint and reports what both sides saw. */
export async function runCase(endpoint: Endpoint, c: Case): Promise<Observed> {
  const { raw, conn } = await endpoint.open();
  const maskKey = randomBytes(4);
  const observed: Observed = { messages: [], pongs: [], closeCode: undefined, errors: [] };
  try {
    conn.messages$.subscribe((m) => observed.messages.push(m));
    conn.errors$.subscribe((e) => observed.errors.push(e));
    const reader = new FrameReader();
    let closeSent = false;
    const sendClose = (payload: Uint8Array) => {
      if (closeSent || raw.destroyed) return;
      closeSent = true;
      raw.write(encodeRawFrame({ fin: true, rsv: 0, opcode: 8, payload }, endpoint.role, maskKey));
    };
    raw.on('data', (chunk: Buffer) => {
      for (const frame of reader.push(chunk)) {
        if (frame.opcode === 10) observed.pongs.push(frame.payload);
        if (frame.opcode === 8 && observed.closeCode === undefined) {
          observed.closeCode = frame.payload.length >= 2 ? frame.payload.readUInt16BE(0) : 1005;
          // Answer the close (echoing its code), then end our side: RFC 6455 §5.5.1, §7.1.1.
          sendClose(frame.payload.subarray(0, 2));
          raw.end();
        }
      }
    });
    const expected = expectedOf(c.items);
    if (expected.outcome.kind === 'close') closeSent = true; // the case itself carries our close
    const bytes = encodeCase(c.items, endpoint.role, maskKey);
    const points = [...new Set(c.splits.map((s) => Math.floor(s * bytes.length)))].sort((a, b) => a - b);
    let start = 0;
    for (const point of [...points, bytes.length]) {
      if (raw.destroyed || raw.writableEnded) break;
      if (point > start) raw.write(bytes.subarray(start, point));
      start = point;
      await tick();
    }
    if (expected.outcome.kind === 'eof') raw.end();
    if (expected.outcome.kind === 'healthy') {
      // Healthy: everything arrives, a ping is still answered, and a normal close completes.
      await until(() => observed.messages.length >= expected.delivers.length, 3000);
      raw.write(encodeRawFrame({ fin: true, rsv: 0, opcode: 9, payload: ALIVE }, endpoint.role, maskKey));
      await until(() => observed.pongs.some((p) => p.equals(ALIVE)), 3000);
      sendClose(Uint8Array.of(0x03, 0xe8));
    }
    const stuck = () => throwError(() => new Error(`the rxws ${endpoint.role} did not close within 4 s`));
    await firstValueFrom(conn.closed$.pipe(timeout({ first: 4000, with: stuck })));
    return observed;
  } finally {
    conn.terminate();
    raw.destroy();
  }
}

function sameDelivered(message: Message, expected: Delivered): boolean {
  if (message.type !== expected.type) return false;
  if (message.type === 'text') return message.data === expected.data;
  return Buffer.from(message.data).equals(Buffer.from(expected.data as Uint8Array));
}

/** Throws (with a readable report) unless what was observed is what the model predicts. */
export function checkCase(c: Case, observed: Observed, role: Role): void {
  const expected = expectedOf(c.items);
  const problems: string[] = [];
  const close = observed.messages.at(-1);
  const data = observed.messages.slice(0, -1);
  if (close?.type !== 'close') problems.push(`messages$ did not end with a close event (last: ${close?.type})`);
  if (data.length !== expected.delivers.length || data.some((m, i) => !sameDelivered(m, expected.delivers[i]!))) {
    problems.push(`delivered ${JSON.stringify(data.map(brief))}, expected ${JSON.stringify(expected.delivers.map(brief))}`);
  }
  const outcome = expected.outcome;
  const code = close?.type === 'close' ? close.code : undefined;
  const pongs = observed.pongs.map((p) => p.toString('hex'));
  const pings = expected.pings.map((p) => Buffer.from(p).toString('hex'));
  switch (outcome.kind) {
    case 'healthy':
      if (code !== 1000) problems.push(`a healthy connection closed normally with ${code}, not 1000`);
      if (observed.closeCode !== 1000) problems.push(`the peer got close ${observed.closeCode}, not 1000`);
      pings.push(ALIVE.toString('hex'));
      if (pongs.join() !== pings.join()) problems.push(`pongs ${pongs.join()} ≠ pings ${pings.join()}`);
      break;
    case 'fault':
      if (code !== outcome.code) problems.push(`closed with ${code}, expected the fault's ${outcome.code}`);
      if (observed.closeCode !== outcome.code) problems.push(`the peer got close ${observed.closeCode}, expected ${outcome.code}`);
      if (pongs.join() !== pings.join()) problems.push(`pongs ${pongs.join()} ≠ pings ${pings.join()}`);
      if (!observed.errors.some((e) => e instanceof ProtocolError && e.closeCode === outcome.code)) problems.push(`no ProtocolError with closeCode ${outcome.code} on errors$`);
      break;
    case 'close':
      if (code !== outcome.code || close?.type !== 'close' || close.reason !== outcome.reason) {
        problems.push(`closed with ${code} ${JSON.stringify(close?.type === 'close' ? close.reason : '')}, expected the peer's ${outcome.code} ${JSON.stringify(outcome.reason)}`);
      }
      if (observed.closeCode !== outcome.code) problems.push(`the peer got close ${observed.closeCode} back, expected its own ${outcome.code} echoed`);
      if (pongs.join() !== pings.join()) problems.push(`pongs ${pongs.join()} ≠ pings ${pings.join()}`);
      break;
    case 'eof':
      if (code !== 1006) problems.push(`EOF reported as ${code}, not 1006`);
      if (!pings.join().startsWith(pongs.join())) problems.push(`pongs ${pongs.join()} are not a prefix of pings ${pings.join()}`);
      break;
  }
  if (problems.length > 0) {
    throw new Error(`rxws ${role}: ${problems.join('; ')}\n  items: ${c.items.map((i) => i.label).join(' | ')}`);
  }
}

function brief(m: Message | Delivered): string {
  if (m.type === 'close') return `close ${m.code}`;
  if (m.type === 'text') return `text ${JSON.stringify(m.data.length > 20 ? `${m.data.slice(0, 20)}…(${m.data.length})` : m.data)}`;
  return `${m.type} ${m.data.length} B`;
}

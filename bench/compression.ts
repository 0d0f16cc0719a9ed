// permessage-deflate on a JSON chat workload: ~200-byte chat messages echoed by the server.
// For rxws and for `ws`, in the same run, with compression off and on: messages per second
// (round trips, pipelined in windows of 500), and the bytes on the wire per message in each
// direction, from which the compression ratio follows.
//
//   npx tsx bench/compression.ts            (20,000 messages per case)
//   npx tsx bench/compression.ts --quick    (2,000)
import type { Socket } from 'node:net';
import { WebSocket, WebSocketServer as WsServer } from 'ws';
import { WebSocketServer, openConnection, type Connection } from '../src';
import { drainDeflatePool } from '../src/transport/deflate-codec';

const quick = process.argv.includes('--quick');
const MESSAGES = quick ? 2_000 : 20_000;
const WINDOW = 500;
const ROUNDS = quick ? 1 : 3;

const WORDS = ['hello', 'anyone', 'around', 'the', 'deploy', 'is', 'done', 'lunch', 'at', 'noon', 'ship', 'it', 'thanks', 'see', 'you', 'tomorrow', 'great', 'idea', 'merge', 'review'];

/** A chat message of about 200 bytes, different every time but from a small vocabulary. */
function chatMessages(count: number): string[] {
  let seed = 12345;
  const next = (n: number) => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) % n);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    let text = '';
    while (text.length < 90) text += `${WORDS[next(WORDS.length)]} `;
    out.push(JSON.stringify({ type: 'chat', room: `room-${next(8)}`, user: `user${next(500)}`, id: 100000 + i, ts: 1_700_000_000_000 + i * 137, text: text.trim() }));
  }
  return out;
}

interface Result {
  name: string;
  msgsPerSec: number;
  clientToServerBytes: number;
  serverToClientBytes: number;
  payloadBytes: number;
}

interface Harness {
  send(message: string): void;
  onMessage(handler: () => void): void;
  bytes(): { up: number; down: number };
  close(): Promise<void>;
}

async function rxwsHarness(deflate: boolean): Promise<Harness> {
  const options = { perMessageDeflate: deflate ? { thresholdBytes: 0 } : false };
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1', ...options });
  let serverConnection: Connection | undefined;
  server.route({
    path: '/',
    handle: (c) => {
      serverConnection = c;
      c.messages$.subscribe((m) => m.type === 'text' && c.sink.next(m.data));
    },
  });
  const { port } = await server.listen();
  const client = await openConnection(`ws://127.0.0.1:${port}/`, options);
  while (serverConnection === undefined) await new Promise((r) => setTimeout(r, 1));
  // The sockets, for byte counts only (not public API).
  const socketOf = (c: Connection): Socket => (c as unknown as { transport: { socket: Socket } }).transport.socket;
  const up = socketOf(client);
  const down = socketOf(serverConnection);
  const base = { up: up.bytesWritten, down: down.bytesWritten };
  return {
    send: (m) => client.sink.next(m),
    onMessage: (handler) => void client.messages$.subscribe((m) => m.type === 'text' && handler()),
    bytes: () => ({ up: up.bytesWritten - base.up, down: down.bytesWritten - base.down }),
    close: async () => {
      await client.close();
      await server.close();
    },
  };
}

async function wsHarness(deflate: boolean): Promise<Harness> {
  const perMessageDeflate = deflate ? { threshold: 0 } : false;
  const wss = new WsServer({ port: 0, host: '127.0.0.1', perMessageDeflate });
  let serverSide: WebSocket | undefined;
  wss.on('connection', (ws) => {
    serverSide = ws;
    ws.on('message', (data, binary) => ws.send(data, { binary }));
  });
  await new Promise((resolve) => wss.once('listening', resolve));
  const { port } = wss.address() as { port: number };
  const client = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate });
  await new Promise((resolve) => client.once('open', resolve));
  while (serverSide === undefined) await new Promise((r) => setTimeout(r, 1));
  const socketOf = (ws: WebSocket): Socket => (ws as unknown as { _socket: Socket })._socket;
  const up = socketOf(client);
  const down = socketOf(serverSide);
  const base = { up: up.bytesWritten, down: down.bytesWritten };
  return {
    send: (m) => client.send(m),
    onMessage: (handler) => void client.on('message', handler),
    bytes: () => ({ up: up.bytesWritten - base.up, down: down.bytesWritten - base.down }),
    close: async () => {
      client.close();
      await new Promise((resolve) => client.once('close', resolve));
      await new Promise((resolve) => wss.close(resolve));
    },
  };
}

async function run(name: string, make: () => Promise<Harness>, messages: string[]): Promise<Result> {
  const h = await make();
  let received = 0;
  let wake: (() => void) | undefined;
  h.onMessage(() => {
    received++;
    wake?.();
  });
  const started = performance.now();
  for (let sent = 0; sent < messages.length; ) {
    const end = Math.min(sent + WINDOW, messages.length);
    for (; sent < end; sent++) h.send(messages[sent]!);
    while (received < sent) await new Promise<void>((resolve) => (wake = resolve));
  }
  const seconds = (performance.now() - started) / 1000;
  await new Promise((r) => setTimeout(r, 20));
  const bytes = h.bytes();
  await h.close();
  return {
    name,
    msgsPerSec: messages.length / seconds,
    clientToServerBytes: bytes.up,
    serverToClientBytes: bytes.down,
    payloadBytes: messages.reduce((n, m) => n + Buffer.byteLength(m), 0),
  };
}

async function main(): Promise<void> {
  const messages = chatMessages(MESSAGES);
  const avg = messages.reduce((n, m) => n + m.length, 0) / messages.length;
  console.log(`JSON chat workload: ${MESSAGES} messages of ${avg.toFixed(0)} bytes on average, echoed; best of ${ROUNDS} rounds; node ${process.version}`);
  const cases: Array<[string, () => Promise<Harness>]> = [
    ['rxws, no compression', () => rxwsHarness(false)],
    ['rxws, permessage-deflate', () => rxwsHarness(true)],
    ['ws, no compression', () => wsHarness(false)],
    ['ws, permessage-deflate', () => wsHarness(true)],
  ];
  const best = new Map<string, Result>();
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, make] of cases) {
      const result = await run(name, make, messages);
      const previous = best.get(name);
      if (previous === undefined || result.msgsPerSec > previous.msgsPerSec) best.set(name, result);
    }
  }
  drainDeflatePool();
  const rows = [...best.values()];
  const pad = (s: string, n: number) => s.padEnd(n);
  console.log(`\n${pad('case', 26)} ${pad('msgs/s', 9)} ${pad('wire B/msg down', 16)} ${pad('wire B/msg up', 14)} ratio (payload/wire, down)`);
  for (const r of rows) {
    const down = r.serverToClientBytes / MESSAGES;
    const up = r.clientToServerBytes / MESSAGES;
    console.log(`${pad(r.name, 26)} ${pad(r.msgsPerSec.toFixed(0), 9)} ${pad(down.toFixed(1), 16)} ${pad(up.toFixed(1), 14)} ${(r.payloadBytes / r.serverToClientBytes).toFixed(2)}`);
  }
  const cost = (lib: string) => {
    const off = best.get(`${lib}, no compression`)!;
    const on = best.get(`${lib}, permessage-deflate`)!;
    return `${lib}: ${((1 - on.msgsPerSec / off.msgsPerSec) * 100).toFixed(0)}% fewer msgs/s with compression, ${((1 - on.serverToClientBytes / off.serverToClientBytes) * 100).toFixed(0)}% fewer bytes down`;
  };
  console.log(`\n${cost('rxws')}\n${cost('ws')}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

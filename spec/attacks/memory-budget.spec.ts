// Per-connection limits add up: many connections each holding most of an unfinished message
// pin the sum (64 × 31 MiB was 2.1 GB). The server-wide `maxBufferedMessageBytes` bounds what
// partly received messages and backlogs hold; past it, connections whose message grows wait,
// and every message still completes once its peer sends the rest.
import { createHash } from 'node:crypto';
import { firstValueFrom } from 'rxjs';
import { WebSocketServer, type Connection } from '../../src';
import { sleep, until } from '../helpers/harness';
import { RawPeer, clientFrame } from '../helpers/raw-peer';
import { startChildServer, type ChildServer } from './child-server';

const KiB = 1024;
const MiB = 1024 * KiB;

/** One binary message as a client sends it, in two parts: all but its last KiB, then that KiB. */
function messageParts(size: number, seed: number): { head: Buffer; tail: Buffer; sha256: string } {
  const payload = Buffer.alloc(size, seed & 0xff);
  payload.writeUInt32BE(seed, 0);
  const frame = clientFrame(2, payload);
  return { head: frame.subarray(0, frame.length - KiB), tail: frame.subarray(frame.length - KiB), sha256: createHash('sha256').update(payload).digest('hex') };
}

/** Connects `count` raw peers to `port` and sends each the head of its message. */
async function unfinishedMessages(port: number, count: number, size: number) {
  const peers: RawPeer[] = [];
  const parts = Array.from({ length: count }, (_, i) => messageParts(size, i + 1));
  for (let i = 0; i < count; i++) {
    const peer = await RawPeer.connect(port);
    peers.push(peer);
    expect((await peer.upgrade('/')).status).toBe(101);
  }
  peers.forEach((peer, i) => peer.send(parts[i]!.head));
  return { peers, parts };
}

/** Waits until the server has stopped reading (what it holds no longer changes for 200 ms). */
async function settled(held: () => number): Promise<void> {
  let last = -1;
  let since = Date.now();
  await until(() => {
    const now = held();
    if (now !== last) {
      last = now;
      since = Date.now();
    }
    return Date.now() - since > 200;
  }, 30_000, 'the server to stop reading');
}

describe('maxBufferedMessageBytes: 64 connections holding unfinished messages', () => {
  const count = 64;
  const size = 2 * MiB;
  let server: WebSocketServer | undefined;
  let peers: RawPeer[] = [];
  afterEach(async () => {
    for (const p of peers.splice(0)) p.destroy();
    await server?.close({ timeoutMs: 100 });
    server = undefined;
  });

  /** Runs the scenario in-process; returns the most the server held and what it received. */
  async function run(maxBufferedMessageBytes: number) {
    server = new WebSocketServer({ port: 0, host: '127.0.0.1', maxMessageBytes: 4 * MiB, maxBufferedMessageBytes });
    const received = new Map<number, string>();
    server.route({
      path: '/',
      handle: (conn) => {
        conn.messages$.subscribe((m) => {
          if (m.type === 'binary') received.set(Buffer.from(m.data.buffer, m.data.byteOffset, 4).readUInt32BE(0), createHash('sha256').update(m.data).digest('hex'));
        });
      },
    });
    const { port } = await server.listen();
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, server!.bufferedMessageBytes)), 1);
    try {
      const attack = await unfinishedMessages(port, count, size);
      peers = attack.peers;
      await settled(() => server!.bufferedMessageBytes);
      const heldUnfinished = server.bufferedMessageBytes;
      // The peers send the rest: every message completes.
      peers.forEach((peer, i) => peer.send(attack.parts[i]!.tail));
      await until(() => received.size === count, 30_000, 'every message');
      for (let i = 0; i < count; i++) expect(received.get(i + 1)).toBe(attack.parts[i]!.sha256);
      await until(() => server!.bufferedMessageBytes === 0, 5000, 'nothing held');
      return { heldUnfinished, peak: Math.max(peak, (server as unknown as { readBudget: { peakBytes: number } }).readBudget.peakBytes) };
    } finally {
      clearInterval(sampler);
    }
  }

  it('without a budget to speak of, the sum is what the peers sent (the attack bites)', async () => {
    const { heldUnfinished } = await run(Number.MAX_SAFE_INTEGER);
    expect(heldUnfinished).toBeGreaterThan(count * (size - 64 * KiB));
  }, 60_000);

  it('with a 4 MiB budget the server holds the budget plus one message, and every message completes', async () => {
    const budget = 4 * MiB;
    const { heldUnfinished, peak } = await run(budget);
    // The budget, one message let through past it (its buffer up to the message limit), and
    // the growth of the read that crossed it (here at most a quarter of 2 MiB). Unbounded it is
    // 64 × 2 MiB.
    const bound = budget + 4 * MiB + 2 * MiB;
    expect({ heldUnfinished: heldUnfinished <= bound, peak: peak <= bound }).toEqual({ heldUnfinished: true, peak: true });
  }, 60_000);
});

describe('maxBufferedMessageBytes counts backlogs', () => {
  let server: WebSocketServer | undefined;
  const peers: RawPeer[] = [];
  afterEach(async () => {
    for (const p of peers.splice(0)) p.destroy();
    await server?.close({ timeoutMs: 100 });
  });

  it('messages nobody has taken yet count, and a subscriber taking them frees the count at once', async () => {
    server = new WebSocketServer({ port: 0, host: '127.0.0.1', maxBufferedMessageBytes: MiB });
    const connections: Connection[] = [];
    server.route({ path: '/', handle: (conn) => void connections.push(conn) });
    const { port } = await server.listen();
    for (let i = 0; i < 4; i++) {
      const peer = await RawPeer.connect(port);
      peers.push(peer);
      expect((await peer.upgrade('/')).status).toBe(101);
      peer.send(clientFrame(2, Buffer.alloc(400 * KiB, i)));
    }
    // Whole messages, but nobody subscribed: they wait in the backlogs, and count.
    await until(() => server!.bufferedMessageBytes >= 3 * 400 * KiB, 10_000, 'the backlogs to fill');
    const got: number[] = [];
    for (const conn of connections) conn.messages$.subscribe((m) => m.type === 'binary' && got.push(m.data.length));
    // Taken without another read: the count is down at once (else paused readers would wait).
    await until(() => got.length === 4, 10_000, 'every message');
    expect(server.bufferedMessageBytes).toBe(0);
  });
});

describe('maxBufferedMessageBytes and closing', () => {
  let server: WebSocketServer | undefined;
  const peers: RawPeer[] = [];
  afterEach(async () => {
    for (const p of peers.splice(0)) p.destroy();
    await server?.close({ timeoutMs: 100 });
  });

  it('a connection the budget keeps waiting still reads the peer\'s answer to our close (a clean close, not 1006 at the timeout)', async () => {
    server = new WebSocketServer({ port: 0, host: '127.0.0.1', maxMessageBytes: 4 * MiB, maxBufferedMessageBytes: MiB, closeTimeoutMs: 5000 });
    const connections: Connection[] = [];
    server.route({ path: '/', handle: (conn) => void connections.push(conn) });
    const { port } = await server.listen();
    const parts = [messageParts(2 * MiB, 1), messageParts(2 * MiB, 2)];
    for (let i = 0; i < 2; i++) {
      const peer = await RawPeer.connect(port);
      peers.push(peer);
      expect((await peer.upgrade('/')).status).toBe(101);
      // Most of a 2 MiB message: the rest comes with the answer to our close.
      peer.send(parts[i]!.head);
    }
    const budget = (server as unknown as { readBudget: { holds(t: unknown): boolean } }).readBudget;
    const transportOf = (c: Connection) => (c as unknown as { transport: unknown }).transport;
    await until(() => connections.length === 2 && connections.some((c) => budget.holds(transportOf(c))), 10_000, 'a connection to wait');
    const waiting = connections.find((c) => budget.holds(transportOf(c)))!;
    const peer = peers[connections.indexOf(waiting)]!;
    const started = Date.now();
    const closed = firstValueFrom(waiting.closed$);
    void waiting.close(1000, 'bye');
    // The peer finishes its message and answers our close frame as soon as it sees it.
    const tail = parts[connections.indexOf(waiting)]!.tail;
    peer.socket.removeAllListeners('data');
    let seen = Buffer.alloc(0);
    peer.socket.on('data', (chunk: Buffer) => {
      seen = Buffer.concat([seen, chunk]);
      if (seen.includes(Buffer.from('bye'))) peer.send(Buffer.concat([tail, clientFrame(8, Buffer.from([0x03, 0xe8]))]));
    });
    const close = await closed;
    expect([close.code, close.wasClean]).toEqual([1000, true]);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe('maxBufferedMessageBytes, with memory measured (a --expose-gc child server)', () => {
  let child: ChildServer | undefined;
  let peers: RawPeer[] = [];
  afterEach(async () => {
    for (const p of peers.splice(0)) p.destroy();
    await child?.stop();
    child = undefined;
  });

  it('64 connections × 7.9 MiB unfinished: RSS grows by about the budget, not by 500 MB; all complete intact', async () => {
    const count = 64;
    const size = 8 * MiB - 64 * KiB;
    const budget = 16 * MiB;
    child = await startChildServer({ server: { maxMessageBytes: 8 * MiB, maxBufferedMessageBytes: budget, closeTimeoutMs: 500 } });
    const attack = await unfinishedMessages(child.port, count, size);
    peers = attack.peers;
    await sleep(1500);
    peers.forEach((peer, i) => peer.send(attack.parts[i]!.tail));
    // Each peer closes once the server has read its message (its reply to our close is the sign).
    peers.forEach((peer) => peer.send(clientFrame(8, Buffer.from([0x03, 0xe8]))));
    const results = [];
    for (let i = 0; i < count; i++) results.push(await child.nextResult(60_000));
    const hashes = new Set(attack.parts.map((p) => p.sha256));
    for (const r of results) {
      expect([r.messages, r.close.code]).toEqual([1, 1000]);
      expect(hashes.has(r.sha256)).toBe(true);
    }
    const peakRssGrowthMb = Math.max(...results.map((r) => r.peakRssMb)) - child.baseline.rssMb;
    // The budget (16), one 8 MiB message past it, Node's read buffers and garbage waiting for
    // the collector (the completed messages); unbounded, it is over 500.
    expect(peakRssGrowthMb).toBeLessThan(120);
  }, 120_000);
});

// Broadcast with permessage-deflate (broadcast-frames.ts): one compression per distinct
// compressor setting, not one per socket; valid for receivers with and without context
// takeover; order kept with each connection's own messages.
import { constants, inflateRawSync } from 'node:zlib';
import { firstValueFrom } from 'rxjs';
import { drainDeflatePool } from '../../src/transport/deflate-codec';
import { MAX_SHARED_DEFLATE_QUEUE_BYTES, sharedDeflateBytesQueued, sharedDeflateRuns } from '../../src/transport/shared-frame';
import { DEFAULT_ZLIB_CONCURRENCY, ZlibLane, setDeflateConcurrency, zlibLimiter } from '../../src/transport/zlib-limiter';
import { WebSocketServer, type ClientConnection } from '../../src';
import { inputsPausedForZlib } from '../../src/transport/zlib-backpressure';
import { sleep, until } from '../helpers/harness';
import { FrameReader, RawPeer, clientFrame, type RawFrame } from '../helpers/raw-peer';
import { echoServer, rxwsClient, wordsOf, type EchoServer } from '../transport/deflate-helpers';

let server: EchoServer | undefined;
const clients: ClientConnection[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.terminate();
  await server?.server.close({ timeoutMs: 100 });
  server = undefined;
});
afterAll(() => drainDeflatePool());

async function join(options: object | boolean): Promise<ClientConnection> {
  const c = await rxwsClient(server!.url, options);
  clients.push(c);
  return c;
}

function collect(c: ClientConnection, count: number): Promise<string[]> {
  const got: string[] = [];
  return new Promise((resolve) =>
    c.messages$.subscribe((m) => {
      if (m.type === 'text') got.push(m.data);
      if (got.length === count) resolve(got);
    }),
  );
}

describe('Route.broadcast with permessage-deflate', () => {
  it('compresses once per compressor setting; every receiver reads every message in order', async () => {
    server = await echoServer({ thresholdBytes: 0 });
    const a = await join(true);
    const b = await join(true);
    const noContext = await join({ serverNoContextTakeover: true });
    const smallWindow = await join({ serverMaxWindowBits: 10 });
    const plain = await join(false);
    const eightBits = await join({ serverMaxWindowBits: 8 });
    const all = [a, b, noContext, smallWindow, plain, eightBits];
    expect(all.map((c) => c.perMessageDeflate?.serverMaxWindowBits)).toEqual([15, 15, 15, 10, undefined, 8]);
    const runs = sharedDeflateRuns();
    const received = all.map((c) => collect(c, 5));

    const m1 = wordsOf(3000, 1).toString('utf8');
    const m2 = wordsOf(100_000, 2).toString('utf8');
    const m3 = wordsOf(5000, 3).toString('utf8');
    expect(server.route.broadcast(m1)).toBe(6);
    // A connection's own compressed messages, between shared ones (context takeover on both).
    for (const c of server.connections) c.sink.next(`own ${m3}`);
    server.route.broadcast(m2);
    for (const c of server.connections) c.sink.next(`own again ${m3}`);
    server.route.broadcast('tiny');

    const expected = [m1, `own ${m3}`, m2, `own again ${m3}`, 'tiny'];
    for (const got of await Promise.all(received)) expect(got).toEqual(expected);
    // Three broadcasts × two distinct settings (window 15 and window 10); never per socket.
    expect(sharedDeflateRuns() - runs).toBe(6);
  });

  it('a binary broadcast, and a broadcast below the threshold is sent as the plain frame to all', async () => {
    server = await echoServer({ thresholdBytes: 1000 });
    const a = await join(true);
    const b = await join(false);
    const runs = sharedDeflateRuns();
    const bytes = wordsOf(4000, 5);
    const gotA = a.waitForMessage('binary', { timeoutMs: 5000 });
    const gotB = b.waitForMessage('binary', { timeoutMs: 5000 });
    server.route.broadcast(bytes);
    for (const got of [await gotA, await gotB]) expect(Buffer.from(got.data).equals(bytes)).toBe(true);
    expect(sharedDeflateRuns() - runs).toBe(1);
    const small = Promise.all([a.waitForMessage('text'), b.waitForMessage('text')]);
    server.route.broadcast('short');
    expect((await small).map((m) => m.data)).toEqual(['short', 'short']);
    expect(sharedDeflateRuns() - runs).toBe(1);
  });
});

describe('Route.broadcast with permessage-deflate: bytes waiting for compression count against each receiver', () => {
  const KiB = 1024;
  const raw: RawPeer[] = [];
  const servers: WebSocketServer[] = [];
  afterEach(async () => {
    for (const p of raw.splice(0)) p.destroy();
    await Promise.all(servers.splice(0).map((s) => s.close({ timeoutMs: 100 })));
    setDeflateConcurrency(DEFAULT_ZLIB_CONCURRENCY);
  });

  /** A peer that negotiated permessage-deflate and never reads. */
  async function stalledPeer(port: number): Promise<RawPeer> {
    const peer = await RawPeer.connect(port);
    raw.push(peer);
    expect((await peer.upgrade('/', { 'Sec-WebSocket-Extensions': 'permessage-deflate' })).status).toBe(101);
    peer.socket.pause();
    return peer;
  }

  async function stalledServer(backpressure: 'close' | 'drop') {
    server = await echoServer({ thresholdBytes: 0 }, undefined, undefined, { maxBufferedBytes: 256 * KiB, backpressure, closeTimeoutMs: 200 });
    const port = Number(new URL(server.url).port);
    await stalledPeer(port);
    await stalledPeer(port);
    await until(() => server!.connections.length === 2, 5000, 'two connections');
    return server.connections;
  }

  it("policy 'close': a receiver whose pending compressed broadcasts pass maxBufferedBytes is failed with 1008, and the queued work for it is dropped", async () => {
    const [a, b] = await stalledServer('close');
    const errors: string[] = [];
    a!.errors$.subscribe((e) => errors.push(e.code));
    // Broadcasts faster than zlib can compress them: queued synchronously.
    const sent: number[] = [];
    const buffered: number[] = [];
    for (let i = 0; i < 64; i++) {
      sent.push(server!.route.broadcast(wordsOf(64 * KiB, i)));
      buffered.push(a!.bufferedAmount);
    }
    // Each waiting message counted at once (its input size, until its compressed size is known)...
    expect(buffered[0]).toBeGreaterThanOrEqual(64 * KiB);
    expect(buffered[1]).toBeGreaterThanOrEqual(128 * KiB);
    // ...so the policy fires at the cap, long before 64 messages (4 MiB) pile up per receiver.
    expect(sent.filter((n) => n > 0).length).toBeLessThanOrEqual(6);
    expect(sent.slice(-1)).toEqual([0]);
    expect(errors).toContain('backpressure_close');
    const closes = await Promise.all([a!, b!].map((c) => firstValueFrom(c.closed$)));
    expect(closes.map((c) => c.code)).toEqual([1008, 1008]);
    // Every receiver is gone: nothing of theirs is left waiting for zlib.
    await until(() => sharedDeflateBytesQueued() === 0, 5000, 'the shared queue to empty');
  });

  it("policy 'drop': broadcasts over the cap are dropped for that receiver (reported), and its pending count falls as compression catches up", async () => {
    const [a] = await stalledServer('drop');
    const errors: string[] = [];
    a!.errors$.subscribe((e) => errors.push(e.code));
    const sent: number[] = [];
    for (let i = 0; i < 32; i++) sent.push(server!.route.broadcast(wordsOf(64 * KiB, i)));
    expect(sent.filter((n) => n > 0).length).toBeLessThanOrEqual(6);
    expect(errors).toContain('backpressure_drop');
    expect(a!.bufferedAmount).toBeGreaterThan(256 * KiB);
    // Compressed, the words shrink a lot: once zlib is done, only the compressed frames count.
    await until(() => a!.bufferedAmount < 128 * KiB, 10_000, 'the compressions to finish');
    expect(sharedDeflateBytesQueued()).toBe(0);
    expect(a!.state).toBe('open');
  });

  /** Collects a raw peer's bytes and parses them once they stop coming (the raw peer's own
   *  reader re-copies its buffer at every chunk: slow for megabytes). */
  function rawFrames(peer: RawPeer): (count: number) => Promise<RawFrame[]> {
    peer.socket.removeAllListeners('data');
    const chunks: Buffer[] = [];
    let lastData = Date.now();
    peer.socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      lastData = Date.now();
    });
    return async (count) => {
      let frames: RawFrame[] = [];
      let parsedAt = -1;
      await until(() => {
        if (Date.now() - lastData < 50 || parsedAt === chunks.length) return false;
        parsedAt = chunks.length;
        frames = new FrameReader().push(Buffer.concat(chunks));
        return frames.length >= count;
      }, 20_000, `${count} frames`);
      return frames;
    };
  }

  /** zlib is busy elsewhere until the returned function is called: nothing of ours starts. */
  function occupyZlib(): () => void {
    setDeflateConcurrency(1);
    let free = (): void => undefined;
    zlibLimiter.run(new ZlibLane(), 0, (release) => (free = release));
    return () => free();
  }

  const inflated = (f: RawFrame): Buffer => inflateRawSync(Buffer.concat([f.payload, Buffer.from([0, 0, 0xff, 0xff])]), { finishFlush: constants.Z_SYNC_FLUSH });

  it('a publisher faster than zlib is made to wait: its connection stops reading while the queue is over the bound, and nothing is lost', async () => {
    const publishing = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: { thresholdBytes: 0 }, maxMessageBytes: 4 * MAX_SHARED_DEFLATE_QUEUE_BYTES });
    servers.push(publishing);
    const subscribers = publishing.route({ path: '/' });
    publishing.route({
      path: '/pub',
      handle: (conn) => {
        conn.messages$.subscribe((m) => {
          if (m.type === 'binary') subscribers.broadcast(m.data);
        });
      },
    });
    const { port } = await publishing.listen();
    const subscriber = await RawPeer.connect(port);
    raw.push(subscriber);
    expect((await subscriber.upgrade('/', { 'Sec-WebSocket-Extensions': 'permessage-deflate' })).status).toBe(101);
    const framesOf = rawFrames(subscriber);
    const publisher = await RawPeer.connect(port);
    raw.push(publisher);
    expect((await publisher.upgrade('/pub')).status).toBe(101);
    const free = occupyZlib();
    const size = MAX_SHARED_DEFLATE_QUEUE_BYTES / 4;
    const messages = Array.from({ length: 8 }, (_, i) => wordsOf(size, i));
    for (const m of messages) publisher.send(clientFrame(2, m));
    // Five messages put the queue over the bound: the publisher's connection stops reading.
    await until(() => inputsPausedForZlib() === 1, 10_000, 'the publisher to be paused');
    await sleep(100);
    expect(sharedDeflateBytesQueued()).toBeLessThanOrEqual(MAX_SHARED_DEFLATE_QUEUE_BYTES + 2 * size);
    free();
    const frames = await framesOf(messages.length);
    expect(inputsPausedForZlib()).toBe(0);
    // Every message, in order, every one compressed (the queue never reached twice the bound).
    expect(frames.map((f) => f.rsv)).toEqual(messages.map(() => 4));
    frames.forEach((f, i) => expect(inflated(f).equals(messages[i]!)).toBe(true));
  }, 30_000);

  it('broadcasts made outside any connection\'s input go out uncompressed past twice the bound, in order', async () => {
    server = await echoServer({ thresholdBytes: 0 }, undefined, undefined, { maxBufferedBytes: 64 * MAX_SHARED_DEFLATE_QUEUE_BYTES });
    const peer = await RawPeer.connect(Number(new URL(server.url).port));
    raw.push(peer);
    expect((await peer.upgrade('/', { 'Sec-WebSocket-Extensions': 'permessage-deflate' })).status).toBe(101);
    await until(() => server!.connections.length === 1, 5000, 'the connection');
    const framesOf = rawFrames(peer);
    const free = occupyZlib();
    const size = MAX_SHARED_DEFLATE_QUEUE_BYTES / 2;
    const messages = Array.from({ length: 6 }, (_, i) => wordsOf(size, i));
    for (const m of messages) server.route.broadcast(m);
    expect(sharedDeflateBytesQueued()).toBe(4 * size);
    free();
    const frames = await framesOf(6);
    expect(frames).toHaveLength(6);
    // Four compressed (RSV1), then two sent as they are; the plain ones are the messages themselves.
    expect(frames.map((f) => f.rsv)).toEqual([4, 4, 4, 4, 0, 0]);
    frames.forEach((f, i) => expect((i < 4 ? inflated(f) : f.payload).equals(messages[i]!)).toBe(true));
  }, 30_000);

  it('shared compressions nobody waits for any more are never run', async () => {
    setDeflateConcurrency(1);
    const [a, b] = await stalledServer('close');
    const before = sharedDeflateRuns();
    // Both receivers under the cap: each broadcast is queued once for the two of them.
    for (let i = 0; i < 3; i++) server!.route.broadcast(wordsOf(32 * KiB, i));
    expect(sharedDeflateBytesQueued()).toBeGreaterThan(0);
    a!.terminate();
    b!.terminate();
    await Promise.all([a!, b!].map((c) => firstValueFrom(c.closed$)));
    expect(sharedDeflateBytesQueued()).toBe(0);
    await sleep(100);
    // At most the one already running when they left.
    expect(sharedDeflateRuns() - before).toBeLessThanOrEqual(1);
  });
});

// permessage-deflate end to end over real sockets (deflate-codec.ts with the core, transport,
// server and client): round trips of text and binary from 0 B to 16 MiB, window bits 8-15, with
// and without context takeover, fragmented compressed messages, order, and the zlib pool.
import * as zlib from 'node:zlib';
import { DeflateCodec, type InflateSink } from '../../src/transport/deflate-codec';
import { DEFAULT_DEFLATE_CONFIG } from '../../src/extensions/permessage-deflate';
import type { ClientConnection } from '../../src';
import { bytesWrittenBy, closedAfterEachTest, deflatePayload, echoServer, rxwsClient, wordsOf, type EchoServer } from './deflate-helpers';

const { servers, clients } = closedAfterEachTest();

async function pair(options: object, clientOptions: object = options, fragmentBytes?: number): Promise<{ s: EchoServer; c: ClientConnection }> {
  const s = await echoServer(options, fragmentBytes);
  servers.push(s);
  const c = await rxwsClient(s.url, clientOptions);
  clients.push(c);
  return { s, c };
}

async function echo(c: ClientConnection, message: string | Uint8Array): Promise<void> {
  c.sink.next(message);
  const got = await c.waitForMessage(typeof message === 'string' ? 'text' : 'binary', { timeoutMs: 20_000 });
  if (typeof message === 'string') expect(got.data === message).toBe(true);
  else expect(Buffer.compare(Buffer.from(got.data as Uint8Array), Buffer.from(message))).toBe(0);
}

const SIZES = [0, 1, 125, 126, 1023, 1024, 65535, 65536, 300_000];

describe('round trips at every window size, with and without context takeover (RFC 7692 §7.1)', () => {
  const cases: Array<[number, boolean]> = [];
  for (let bits = 8; bits <= 15; bits++) for (const noContext of [false, true]) cases.push([bits, noContext]);

  it.each(cases)('window bits %i, no context takeover %s: text and binary of 0 B to 300 kB', async (bits, noContext) => {
    const options = { serverMaxWindowBits: bits, clientMaxWindowBits: bits, serverNoContextTakeover: noContext, clientNoContextTakeover: noContext, thresholdBytes: 0 };
    const { s, c } = await pair(options);
    expect(c.perMessageDeflate).toEqual({ serverNoContextTakeover: noContext, clientNoContextTakeover: noContext, serverMaxWindowBits: bits, clientMaxWindowBits: bits });
    expect(s.connections[0]!.perMessageDeflate).toEqual(c.perMessageDeflate);
    for (const size of SIZES) {
      await echo(c, wordsOf(size, size).toString('utf8'));
      await echo(c, wordsOf(size, size + 1));
    }
    // Repeating a message that fits the window: with context takeover the second copy costs a
    // few bytes only.
    const repeated = wordsOf(bits === 15 ? 16384 : 65536, 3);
    const before = bytesWrittenBy(s.connections[0]!);
    await echo(c, repeated);
    const first = bytesWrittenBy(s.connections[0]!) - before;
    await echo(c, repeated);
    const second = bytesWrittenBy(s.connections[0]!) - before - first;
    if (bits === 8) {
      // zlib cannot honour a 256-byte window: we never compress with it (docs/compression.md).
      expect(first).toBeGreaterThan(repeated.length);
    } else {
      expect(first).toBeLessThan(repeated.length / 2);
      if (!noContext && bits === 15) expect(second).toBeLessThan(first / 2);
      if (noContext) expect(Math.abs(second - first)).toBeLessThan(16);
    }
  }, 60_000);

  it('16 MiB of text and 16 MiB of binary, with and without context takeover', async () => {
    for (const noContext of [false, true]) {
      const options = { serverNoContextTakeover: noContext, clientNoContextTakeover: noContext, level: 1 };
      const s = await echoServer(options, undefined, 17 * 1024 * 1024);
      servers.push(s);
      const c = await rxwsClient(s.url, options, 17 * 1024 * 1024);
      clients.push(c);
      const big = wordsOf(16 * 1024 * 1024, 42);
      await echo(c, big.toString('utf8'));
      await echo(c, big);
    }
  }, 60_000);
});

describe('fragmented compressed messages (RFC 7692 §6.1: RSV1 on the first frame only)', () => {
  it('compressed data split into 64-byte frames, both directions, in order with plain messages', async () => {
    const { c } = await pair({ thresholdBytes: 0 }, { thresholdBytes: 0 }, 64);
    for (const size of [1, 64, 65, 5000, 100_000]) {
      const text = wordsOf(size, size).toString('utf8');
      await c.send(text, { fragmentBytes: 64 });
      expect((await c.waitForMessage('text', { timeoutMs: 10_000 })).data === text).toBe(true);
    }
    // Interleaved: compressed, fragmented, tiny, in one burst; the echoes come back in order.
    const burst = ['x'.repeat(3000), 'y', 'z'.repeat(200)];
    void c.send(burst[0]!, { fragmentBytes: 64 });
    c.sink.next(burst[1]!);
    void c.send(burst[2]!, { fragmentBytes: 7 });
    for (const expected of burst) expect((await c.waitForMessage('text', { timeoutMs: 10_000 })).data).toBe(expected);
  });
});

describe('order and control frames', () => {
  it('1,000 messages of mixed sizes, some compressed and some not, arrive in send order', async () => {
    const { c } = await pair({ thresholdBytes: 100 });
    const received: string[] = [];
    const done = new Promise<void>((resolve) =>
      c.messages$.subscribe((m) => {
        if (m.type === 'text') received.push(m.data);
        if (received.length === 1000) resolve();
      }),
    );
    const sent: string[] = [];
    for (let i = 0; i < 1000; i++) {
      const text = `${i}:` + 'm'.repeat((i * 37) % 400);
      sent.push(text);
      c.sink.next(text);
      if (i % 100 === 0) void c.ping(String(i));
    }
    await done;
    expect(received).toEqual(sent);
  });

  it('send() resolves only once a compressed message has been written; close() comes after it', async () => {
    const { s, c } = await pair({ thresholdBytes: 0 });
    await c.send(wordsOf(200_000).toString('utf8'));
    const server = s.connections[0]!;
    const got = server.waitForMessage('text', { timeoutMs: 5000 });
    await expect(got).resolves.toMatchObject({ type: 'text' });
    const last = wordsOf(50_000, 9).toString('utf8');
    const closed = server.waitForMessage((m) => m.type === 'close');
    const lastSeen = server.waitForMessage((m) => m.type === 'text' && m.data === last, { timeoutMs: 5000 });
    c.sink.next(last);
    void c.close(1000, 'done');
    await expect(lastSeen).resolves.toMatchObject({ data: last });
    await expect(closed).resolves.toMatchObject({ code: 1000, reason: 'done' });
  });
});

describe('DeflateCodec directly', () => {
  const sink = (): InflateSink & { out: Buffer[]; ended: number; errors: number; stop: boolean } => {
    const s = {
      out: [] as Buffer[],
      ended: 0,
      errors: 0,
      stop: false,
      onInflated: (chunk: Uint8Array) => (s.out.push(Buffer.from(chunk)), !s.stop),
      onInflateEnd: () => void s.ended++,
      onInflateError: () => void s.errors++,
    };
    return s;
  };
  const directions = { sendWindowBits: 15, sendNoContextTakeover: false, receiveWindowBits: 15, receiveNoContextTakeover: false };

  it('compress strips the sync-flush trailer (§7.2.1) and zlib reads it back with the trailer restored (§7.2.2)', async () => {
    const codec = new DeflateCodec(directions, DEFAULT_DEFLATE_CONFIG, sink());
    const data = wordsOf(5000);
    const payload = await new Promise<Uint8Array | null>((resolve) => codec.compress(data, false, resolve));
    expect(payload).not.toBeNull();
    const p = Buffer.from(payload!);
    expect(p.subarray(p.length - 4).equals(Buffer.from([0, 0, 0xff, 0xff]))).toBe(false);
    const restored = Buffer.concat([p, Buffer.from([0, 0, 0xff, 0xff])]);
    expect(zlib.inflateRawSync(restored, { finishFlush: zlib.constants.Z_SYNC_FLUSH }).equals(data)).toBe(true);
    codec.close();
  });

  it('decompresses what a peer that ends with BFINAL sends, and carries on with a fresh stream', async () => {
    const s = sink();
    const codec = new DeflateCodec(directions, DEFAULT_DEFLATE_CONFIG, s);
    const final = zlib.deflateRawSync(Buffer.from('final block'));
    codec.decompress(final);
    await waitFor(() => s.ended === 1);
    codec.decompress(deflatePayload(Buffer.from('next')));
    await waitFor(() => s.ended === 2);
    expect(Buffer.concat(s.out).toString()).toBe('final blocknext');
    expect(s.errors).toBe(0);
    codec.close();
  });

  it('corrupt data is an error, reported once', async () => {
    const s = sink();
    const codec = new DeflateCodec(directions, DEFAULT_DEFLATE_CONFIG, s);
    codec.decompress(Buffer.from([0xff, 0xff, 0xff, 0x00, 0x01]));
    await waitFor(() => s.errors === 1);
    expect(s.ended).toBe(0);
    codec.close();
  });

  it('stops inflating as soon as the sink says so', async () => {
    const s = sink();
    s.stop = true;
    const codec = new DeflateCodec(directions, DEFAULT_DEFLATE_CONFIG, s);
    codec.decompress(deflatePayload(Buffer.alloc(10 * 1024 * 1024)));
    await new Promise((r) => setTimeout(r, 50));
    expect(s.out).toHaveLength(1);
    expect(s.out[0]!.length).toBeLessThanOrEqual(64 * 1024);
    expect(s.ended + s.errors).toBe(0);
    codec.close();
  });

  it('never compresses with a negotiated 8-bit window, nor empty messages, nor below the threshold', () => {
    const eight = new DeflateCodec({ ...directions, sendWindowBits: 8 }, DEFAULT_DEFLATE_CONFIG, sink());
    expect(eight.shouldCompress(1_000_000)).toBe(false);
    expect(eight.sharedKey).toBeUndefined();
    const normal = new DeflateCodec(directions, { ...DEFAULT_DEFLATE_CONFIG, thresholdBytes: 10 }, sink());
    expect([normal.shouldCompress(0), normal.shouldCompress(9), normal.shouldCompress(10)]).toEqual([false, false, true]);
  });
});

async function waitFor(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

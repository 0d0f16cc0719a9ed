// A broadcast's compressed frame (shared-frame.ts): made once for many receivers, only when one
// attaches, never when every receiver left before zlib got to it, and readable by any receiver.
import * as zlib from 'node:zlib';
import { DEFAULT_DEFLATE_CONFIG } from '../../src/extensions/permessage-deflate';
import { Opcode } from '../../src/protocol/opcode';
import { DeflateCodec, drainDeflatePool, type InflateSink } from '../../src/transport/deflate-codec';
import { SharedFrame, compressShared, sharedDeflateBytesQueued, sharedDeflateRuns } from '../../src/transport/shared-frame';
import { DEFAULT_ZLIB_CONCURRENCY, ZlibLane, setDeflateConcurrency, zlibLimiter } from '../../src/transport/zlib-limiter';
import { makeConnection } from '../protocol/helpers';
import { deflatePayload, wordsOf } from './deflate-helpers';

const directions = { sendWindowBits: 15, sendNoContextTakeover: false, receiveWindowBits: 15, receiveNoContextTakeover: false };
const noSink: InflateSink = { onInflated: () => true, onInflateEnd: () => undefined, onInflateError: () => undefined };
const codecs: DeflateCodec[] = [];
function codec(): DeflateCodec {
  const c = new DeflateCodec(directions, DEFAULT_DEFLATE_CONFIG, noSink);
  codecs.push(c);
  return c;
}

/** Takes the limiter's only slot until the returned function is called. */
function occupyZlib(): () => void {
  setDeflateConcurrency(1);
  let release: () => void = () => undefined;
  zlibLimiter.run(new ZlibLane(), 0, (r) => (release = r));
  return () => release();
}

afterEach(() => {
  for (const c of codecs.splice(0)) c.close();
  setDeflateConcurrency(DEFAULT_ZLIB_CONCURRENCY);
});
afterAll(() => drainDeflatePool());

const frameOf = (shared: SharedFrame) => new Promise<Uint8Array | null>((resolve) => shared.attach(resolve));

describe('SharedFrame', () => {
  it('makes one RSV1 frame that any receiver can read, with or without its own history', async () => {
    const shared = compressShared(Opcode.Text, Buffer.from('shared message, shared message'), codec());
    const frame = await frameOf(shared);
    expect(frame![0]).toBe(0xc1);
    expect(await frameOf(shared)).toBe(frame);
    // A receiver whose window already holds other data reads it the same.
    const inflate = zlib.createInflateRaw();
    const out: Buffer[] = [];
    inflate.on('data', (c: Buffer) => out.push(c));
    inflate.write(Buffer.concat([deflatePayload(Buffer.from('earlier history')), Buffer.from([0, 0, 0xff, 0xff])]));
    inflate.write(Buffer.concat([Buffer.from(frame!.subarray(2)), Buffer.from([0, 0, 0xff, 0xff])]));
    await new Promise<void>((resolve) => inflate.flush(() => resolve()));
    inflate.close();
    expect(Buffer.concat(out).toString()).toBe('earlier historyshared message, shared message');
  });

  it('is compressed only once a receiver attaches, and counts its input plus a header meanwhile', async () => {
    const runs = sharedDeflateRuns();
    const shared = compressShared(Opcode.Binary, wordsOf(70_000), codec());
    expect(shared.estimateBytes).toBe(70_000 + 10); // a 64-bit length (RFC 6455 §5.2)
    await new Promise((r) => setTimeout(r, 20));
    expect(sharedDeflateRuns()).toBe(runs);
    const frame = await frameOf(shared);
    expect(sharedDeflateRuns()).toBe(runs + 1);
    expect(frame!.length).toBeLessThan(70_000);
  });

  it('leaves the queue, never compressed, once every receiver is gone; one receiver left keeps it', async () => {
    const free = occupyZlib();
    const runs = sharedDeflateRuns();
    const c = codec();
    const kept = compressShared(Opcode.Binary, wordsOf(30_000, 1), c);
    const dropped = compressShared(Opcode.Binary, wordsOf(20_000, 2), c);
    // Two real server cores reserve their places, as Connection.sendEncoded does.
    const cores = [makeConnection('server'), makeConnection('server')];
    const fills = cores.map(({ conn }) => [kept, dropped].map((f) => conn.reservePreEncoded(true, f.estimateBytes, f)));
    fills.forEach((pair) => pair.forEach((fill, i) => [kept, dropped][i]!.attach(fill)));
    expect(cores[0]!.conn.queuedOutputBytes).toBe(kept.estimateBytes + dropped.estimateBytes);
    expect(sharedDeflateBytesQueued()).toBe(50_000);
    // Receiver 0 leaves: both frames still have receiver 1.
    cores[0]!.conn.transportClosed();
    expect(sharedDeflateBytesQueued()).toBe(50_000);
    // Receiver 1 fails: nobody waits for either frame any more.
    cores[1]!.conn.fail(1008, 'send buffer full');
    expect(sharedDeflateBytesQueued()).toBe(0);
    free();
    await new Promise((r) => setTimeout(r, 50));
    expect(sharedDeflateRuns()).toBe(runs);
    // A new receiver brings a frame back into the queue: it has its input still.
    const late = makeConnection('server');
    const fill = late.conn.reservePreEncoded(true, kept.estimateBytes, kept);
    kept.attach(fill);
    await new Promise((r) => setTimeout(r, 50));
    expect(sharedDeflateRuns()).toBe(runs + 1);
    expect(late.rec.log).toEqual([expect.stringMatching(/^write c2/)]); // FIN, RSV1, binary
    expect(late.rec.log[0]!.length).toBeLessThan(2 * 30_000);
    expect(late.conn.queuedOutputBytes).toBe(0);
  });

  it('a receiver counts the compressed size once it is known, until the frame is written', async () => {
    const free = occupyZlib();
    const { conn, rec } = makeConnection('server');
    const first = compressShared(Opcode.Binary, wordsOf(1000, 1), codec());
    const second = compressShared(Opcode.Binary, wordsOf(40_000, 2), codec());
    const fillFirst = conn.reservePreEncoded(true, first.estimateBytes, first);
    second.attach(conn.reservePreEncoded(true, second.estimateBytes, second));
    expect(conn.queuedOutputBytes).toBe(first.estimateBytes + second.estimateBytes);
    free();
    const secondFrame = await frameOf(second);
    // The second is made but waits behind the first place: counted at its real size now.
    expect(rec.log).toEqual([]);
    expect(conn.queuedOutputBytes).toBe(first.estimateBytes + secondFrame!.length);
    fillFirst(await frameOf(first));
    expect(rec.log).toHaveLength(2);
    expect(conn.queuedOutputBytes).toBe(0);
  });
});

// permessage-deflate against hostile peers and under load (RELIABILITY 30-33): decompression
// bombs refused with 1009 while inflating, with bounded memory measured in a child process;
// corrupt data → 1007; RSV1 misuse → 1002; bad offers declined or refused; 1,000 connections
// compressing at once with zlib capped and the heap flat after GC.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import * as zlib from 'node:zlib';
import { encodeFrame } from '../../src/protocol/frame-serializer';
import { fixedMaskSource } from '../../src/protocol/mask';
import { drainDeflatePool } from '../../src/transport/deflate-codec';
import { Resources, closeCodeOf, until, type TestServer } from '../helpers/harness';
import { RawPeer } from '../helpers/raw-peer';
import { deflatePayload } from './deflate-helpers';

const MASK = fixedMaskSource(Uint8Array.of(0x37, 0xfa, 0x21, 0x3d));
/** A masked client frame with the RSV bits given (RSV1 = 4). */
const frame = (opcode: number, payload: Uint8Array, rsv: number, fin = true): Buffer =>
  Buffer.from(encodeFrame(opcode, payload, { fin, rsvBits: rsv, mask: MASK }));

const resources = new Resources();
afterEach(() => resources.dispose());
afterAll(() => drainDeflatePool());

async function deflateServer(maxMessageBytes = 64 * 1024): Promise<{ s: TestServer; errors: string[]; messages: string[] }> {
  const errors: string[] = [];
  const messages: string[] = [];
  const s = await resources.server(
    { handle: (c) => void (c.errors$.subscribe((e) => errors.push(e.code)), c.messages$.subscribe((m) => messages.push(m.type === 'text' ? `text ${m.data}` : m.type))) },
    { perMessageDeflate: true, maxMessageBytes },
  );
  return { s, errors, messages };
}

async function peerWith(port: number, extensions = 'permessage-deflate'): Promise<RawPeer> {
  const peer = await RawPeer.connect(port);
  const response = await peer.upgrade('/', { 'Sec-WebSocket-Extensions': extensions });
  expect(response.headers['sec-websocket-extensions']).toBe('permessage-deflate');
  return peer;
}

async function closeCode(peer: RawPeer): Promise<number> {
  const frames = await peer.frames(10);
  const close = frames.find((f) => f.opcode === 8);
  if (close === undefined) throw new Error(`no close frame (got opcodes ${frames.map((f) => f.opcode).join(',')})`);
  return closeCodeOf(close);
}

describe('RELIABILITY 30: decompression bombs', () => {
  it('1 KiB that inflates past maxMessageBytes → 1009 while inflating; a valid message before it is delivered', async () => {
    const { s, messages, errors } = await deflateServer(64 * 1024);
    const peer = await peerWith(s.port);
    const bomb = deflatePayload(Buffer.alloc(1024 * 1024));
    expect(bomb.length).toBeLessThan(1100);
    peer.send(Buffer.concat([frame(1, deflatePayload(Buffer.from('fine')), 4), frame(2, bomb, 4)]));
    expect(await closeCode(peer)).toBe(1009);
    await peer.closed;
    await until(() => messages.length === 2);
    expect(messages).toEqual(['text fine', 'close']);
    expect(errors).toEqual(['message_too_big']);
  });

  it('the same bomb split into 64-byte fragments → 1009', async () => {
    const { s } = await deflateServer(64 * 1024);
    const peer = await peerWith(s.port);
    const bomb = deflatePayload(Buffer.alloc(1024 * 1024));
    const frames: Buffer[] = [];
    for (let i = 0; i < bomb.length; i += 64) {
      const end = Math.min(i + 64, bomb.length);
      frames.push(frame(i === 0 ? 2 : 0, bomb.subarray(i, end), i === 0 ? 4 : 0, end === bomb.length));
    }
    peer.send(Buffer.concat(frames));
    expect(await closeCode(peer)).toBe(1009);
  });

  it('a 512 MiB bomb (0.5 MB compressed) against a 1 MiB limit: 1009, and RSS grows by the limit plus the zlib window, not the bomb', () => {
    const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', join(__dirname, '../helpers/deflate-bomb-child.ts')], {
      cwd: join(__dirname, '../..'),
      encoding: 'utf8',
      timeout: 60_000,
    });
    const result = JSON.parse(out.trim().split('\n').pop()!);
    expect(result).toMatchObject({ extensions: 'permessage-deflate', opcode: 8, code: 1009 });
    expect(result.compressedBytes).toBeLessThan(result.limit);
    // Limit (1 MiB) + the compressed message (0.5 MB) + zlib's window and output chunks, with
    // room for allocator noise: far below the 512 MiB an unbounded inflate would need.
    expect(result.peakGrowthBytes).toBeLessThan(result.limit + 24 * 1024 * 1024);
  }, 60_000);
});

describe('RELIABILITY 31: corrupt data and RSV1 misuse', () => {
  it('corrupt DEFLATE data → 1007', async () => {
    const { s, errors } = await deflateServer();
    const peer = await peerWith(s.port);
    peer.send(frame(1, Buffer.from([0xff, 0xff, 0xff, 0x00, 0x13, 0x37]), 4));
    expect(await closeCode(peer)).toBe(1007);
    expect(errors).toEqual(['invalid_compressed_data']);
  });

  it('data after the end of a BFINAL stream → 1007', async () => {
    const { s } = await deflateServer();
    const peer = await peerWith(s.port);
    peer.send(frame(1, Buffer.concat([zlib.deflateRawSync(Buffer.from('end')), Buffer.from('garbage!')]), 4));
    expect(await closeCode(peer)).toBe(1007);
  });

  it('compressed text that is not UTF-8 → 1007', async () => {
    const { s, errors } = await deflateServer();
    const peer = await peerWith(s.port);
    peer.send(frame(1, deflatePayload(Buffer.from([0x61, 0xc3, 0x28])), 4));
    expect(await closeCode(peer)).toBe(1007);
    expect(errors).toEqual(['invalid_utf8']);
  });

  it.each<[string, Buffer]>([
    ['RSV1 on a continuation', Buffer.concat([frame(1, deflatePayload(Buffer.from('ab')).subarray(0, 2), 4, false), frame(0, Buffer.from([0]), 4)])],
    ['RSV1 on a ping', frame(9, Buffer.from('p'), 4)],
    ['RSV1 on a close', frame(8, Buffer.from([3, 232]), 4)],
    ['RSV2 on a data frame', frame(1, Buffer.from('x'), 2)],
  ])('%s → 1002', async (_, bytes) => {
    const { s } = await deflateServer();
    const peer = await peerWith(s.port);
    peer.send(bytes);
    expect(await closeCode(peer)).toBe(1002);
  });

  it('RSV1 when permessage-deflate was not negotiated → 1002', async () => {
    const { s } = await deflateServer();
    const peer = await RawPeer.connect(s.port);
    const response = await peer.upgrade('/');
    expect(response.headers['sec-websocket-extensions']).toBeUndefined();
    peer.send(frame(1, deflatePayload(Buffer.from('x')), 4));
    expect(await closeCode(peer)).toBe(1002);
  });
});

describe('RELIABILITY 32: bad offers over the wire', () => {
  it.each([
    'permessage-deflate; server_max_window_bits=7',
    'permessage-deflate; client_max_window_bits=16',
    'permessage-deflate; server_no_context_takeover; server_no_context_takeover',
    'permessage-deflate; foo',
    'permessage-deflate; __proto__',
    '__proto__, constructor; toString',
  ])('%s → declined: 101 without the extension, and RSV1 then fails', async (offer) => {
    const { s } = await deflateServer();
    const peer = await RawPeer.connect(s.port);
    const response = await peer.upgrade('/', { 'Sec-WebSocket-Extensions': offer });
    expect(response.status).toBe(101);
    expect(response.headers['sec-websocket-extensions']).toBeUndefined();
    peer.send(frame(1, deflatePayload(Buffer.from('x')), 4));
    expect(await closeCode(peer)).toBe(1002);
  });

  it('a bad offer followed by a good one: the good one is accepted', async () => {
    const { s, messages } = await deflateServer();
    const peer = await peerWith(s.port, 'permessage-deflate; server_max_window_bits=16, permessage-deflate; client_max_window_bits');
    peer.send(frame(1, deflatePayload(Buffer.from('ok')), 4));
    await new Promise((r) => setTimeout(r, 50));
    expect(messages).toEqual(['text ok']);
  });

  it.each(['permessage-deflate; server_max_window_bits=', 'permessage-deflate; a="\\x', 'permessage-deflate;;', ', ,'])(
    'a header that does not parse (%j) → 400 (RFC 6455 §9.1 grammar)',
    async (header) => {
      const { s } = await deflateServer();
      const peer = await RawPeer.connect(s.port);
      const response = await peer.upgrade('/', { 'Sec-WebSocket-Extensions': header });
      expect(response.status).toBe(400);
      peer.destroy();
    },
  );
});

describe('RELIABILITY 33: 1,000 connections compressing at once', () => {
  const run = (mode: 'takeover' | 'none') => {
    const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', join(__dirname, '../helpers/deflate-load-child.ts'), '1000', mode], {
      cwd: join(__dirname, '../..'),
      encoding: 'utf8',
      timeout: 90_000,
    });
    const result = JSON.parse(out.trim().split('\n').pop()!);
    expect(result).toMatchObject({ count: 1000, limit: 10, intact: true, open: 0 });
    expect(result.peak).toBeLessThanOrEqual(result.limit);
    expect(result.peak).toBeGreaterThan(1);
    expect(result.after.resources).toBeLessThanOrEqual(result.before.resources);
    // Every zlib stream was closed with its connection: no native zlib memory is held.
    expect([result.middle.zlibStreams, result.after.zlibStreams]).toEqual([0, 0]);
    // 2,000 connections (4,000 zlib streams) later: a few hundred bytes each would show as MBs.
    expect(result.after.heap - result.middle.heap).toBeLessThan(1024 * 1024);
    expect(result.after.heap - result.before.heap).toBeLessThan(2 * 1024 * 1024);
    return result;
  };

  it('with context takeover (the default): zlib capped, every echo intact, heap flat and every zlib stream closed', () => {
    run('takeover');
  }, 120_000);

  it('without context takeover (pooled zlib streams): the same, and RSS flat too', () => {
    const result = run('none');
    expect(result.after.rss - result.middle.rss).toBeLessThan(32 * 1024 * 1024);
  }, 120_000);
});

// Connection.streamedMessages$ and the streamThresholdBytes option (src/rx/streamed-message-receiver.ts),
// over real sockets: which messages stream, what waits for a subscriber, how unread chunks pause
// the socket, and a 256 MiB upload received with bounded memory by a slow consumer in a child
// process (RELIABILITY 60).
import { createHash } from 'node:crypto';
import { firstValueFrom, merge, map, toArray } from 'rxjs';
import { ConnectionClosedError, UsageError, WebSocketServer, openConnection, type Connection, type StreamedMessage } from '../../src';
import { Opcode } from '../../src/protocol/opcode';
import { Resources, sleep, until, wsMessage } from '../helpers/harness';
import { MiB, rssBoundMb, startChild, writeHugeFrame, type Child } from '../helpers/large-transfer';
import { clientFrame } from '../helpers/raw-peer';

const res = new Resources();
afterEach(() => res.dispose());

const KiB = 1024;

async function setup(route: object = {}) {
  const s = await res.server({ streamThresholdBytes: 100, ...route });
  const peer = await res.raw(s.port);
  const conn = await s.nextConnection();
  return { s, peer, conn };
}

async function readAll(message: StreamedMessage): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of message) chunks.push(chunk);
  return Buffer.concat(chunks);
}

describe('streamThresholdBytes and streamedMessages$', () => {
  it('without the option every message arrives whole, and streamedMessages$ is a UsageError', async () => {
    const s = await res.server();
    const peer = await res.raw(s.port);
    const conn = await s.nextConnection();
    const got = conn.waitForMessage('binary');
    peer.send(clientFrame(Opcode.Binary, Buffer.alloc(MiB, 7)));
    expect((await got).data.length).toBe(MiB);
    expect(() => conn.streamedMessages$).toThrow(UsageError);
  });

  it('the option is checked like the others: a negative or fractional value is a UsageError at route(), and so is an unknown one on the client', async () => {
    const server = new WebSocketServer({ port: 0 });
    expect(() => server.route({ path: '/a', streamThresholdBytes: -1 })).toThrow(UsageError);
    expect(() => server.route({ path: '/b', streamThresholdBytes: 1.5 })).toThrow(UsageError);
    expect(() => new WebSocketServer({ port: 0, streamThresholdBytes: 'big' as never })).toThrow(UsageError);
    await server.close();
  });

  it('messages under the threshold stay on messages$ (ofText, ofBinary... unchanged); those at it stream; both keep arrival order', async () => {
    const { peer, conn } = await setup();
    const order = firstValueFrom(
      merge(
        conn.messages$.pipe(map((m) => (m.type === 'close' ? 'close' : `${m.type} ${m.data.length}`))),
        conn.streamedMessages$.pipe(map((m) => { void readAll(m); return `stream ${m.type}`; })),
      ).pipe(toArray()),
    );
    peer.send(Buffer.concat([
      clientFrame(Opcode.Text, 'x'.repeat(99)),
      clientFrame(Opcode.Binary, Buffer.alloc(100)),
      clientFrame(Opcode.Binary, Buffer.alloc(5)),
      clientFrame(Opcode.Text, 'y'.repeat(1000)),
      clientFrame(Opcode.Close, Buffer.from([0x03, 0xe8])),
    ]));
    expect(await order).toEqual(['text 99', 'stream binary', 'binary 5', 'stream text', 'close']);
  });

  it('messages that begin while nobody subscribes wait for the first subscriber, with the socket paused meanwhile', async () => {
    const { peer, conn } = await setup({ backlogBytes: 64 * KiB });
    peer.send(clientFrame(Opcode.Binary, Buffer.alloc(200, 1)));
    // 32 MiB more behind it, more than loopback's socket buffers hold: not read while the first
    // message waits, so it backs up here.
    const behind = 512;
    for (let i = 0; i < behind; i++) peer.send(clientFrame(Opcode.Binary, Buffer.alloc(64 * KiB, 2)));
    await sleep(300);
    expect(peer.socket.writableLength).toBeGreaterThan(0);
    const got: StreamedMessage[] = [];
    const contents: Promise<number>[] = [];
    conn.streamedMessages$.subscribe((m) => {
      got.push(m);
      contents.push(readAll(m).then((b) => b.length));
    });
    // The held one comes first, whole; then reading resumes and the rest follow.
    expect(got[0]!.receivedBytes).toBe(200);
    await until(() => got.length === behind + 1, 20_000, 'the messages behind it');
    expect(await Promise.all(contents)).toEqual([200, ...Array(behind).fill(64 * KiB)]);
    await until(() => peer.socket.writableLength === 0, 5000, 'the peer to be read');
  });

  it('R40 unread chunks past backlogBytes pause the socket; reading them resumes it', async () => {
    const { peer, conn } = await setup({ backlogBytes: 64 * KiB });
    const next = firstValueFrom(conn.streamedMessages$);
    const total = 8 * MiB;
    peer.send(clientFrame(Opcode.Binary, Buffer.alloc(total, 3)));
    const message = await next;
    await sleep(300);
    // Not read: what the server took off the socket stays near backlogBytes (plus one read).
    expect(message.receivedBytes).toBeLessThan(64 * KiB + 128 * KiB);
    const hash = createHash('sha256');
    for await (const chunk of message) hash.update(chunk);
    expect(message.receivedBytes).toBe(total);
    expect(hash.digest('hex')).toBe(createHash('sha256').update(Buffer.alloc(total, 3)).digest('hex'));
  });

  it('the connection closing completes streamedMessages$ and fails a message still arriving; a late subscriber completes at once', async () => {
    const { peer, conn } = await setup();
    const all = firstValueFrom(conn.streamedMessages$.pipe(toArray()));
    const first = firstValueFrom(conn.streamedMessages$);
    peer.send(clientFrame(Opcode.Binary, Buffer.alloc(100), { fin: false }));
    const reading = readAll(await first);
    peer.destroy();
    await expect(reading).rejects.toBeInstanceOf(ConnectionClosedError);
    expect((await all).length).toBe(1);
    await expect(firstValueFrom(conn.streamedMessages$.pipe(toArray()))).resolves.toEqual([]);
  });

  it('§1.4 after our close a streamed message still arrives whole (the peer sent it first), paced by its reader, then the close completes', async () => {
    const { peer, conn } = await setup({ backlogBytes: 64 * KiB });
    const next = firstValueFrom(conn.streamedMessages$);
    peer.send(clientFrame(Opcode.Binary, Buffer.alloc(100, 1), { fin: false }));
    const message = await next;
    const closed = conn.close(1000);
    for (let i = 0; i < 32; i++) peer.send(clientFrame(Opcode.Continuation, Buffer.alloc(64 * KiB, 2), { fin: i === 31 }));
    peer.send(clientFrame(Opcode.Close, Buffer.from([0x03, 0xe8])));
    let bytes = 0;
    for await (const chunk of message) {
      bytes += chunk.length;
      await sleep(1); // slower than the peer: the socket is paused meanwhile, nothing is dropped
    }
    expect(bytes).toBe(100 + 32 * 64 * KiB);
    await expect(closed).resolves.toMatchObject({ code: 1000, wasClean: true });
  });

  it('works on the client side too, and for compressed messages (permessage-deflate), judged by their decompressed size', async () => {
    const s = await res.server({ perMessageDeflate: true, handle: (conn: Connection) => void conn.sink.next(Buffer.alloc(3 * MiB, 5)) });
    const client = await openConnection(s.url, { streamThresholdBytes: 64 * KiB, maxMessageBytes: 4 * MiB });
    expect(client.perMessageDeflate).toBeDefined();
    const message = await firstValueFrom(client.streamedMessages$);
    const bytes = await readAll(message);
    expect(bytes.length).toBe(3 * MiB);
    expect(bytes.every((b) => b === 5)).toBe(true);
    client.terminate();
  });

  it('a ws client sending fragments (RFC 6455 §5.4) is received as one stream', async () => {
    const s = await res.server({ streamThresholdBytes: 1 });
    const ws = await res.client(s.url);
    const conn = await s.nextConnection();
    const next = firstValueFrom(conn.streamedMessages$);
    ws.send('part one, ', { fin: false });
    ws.send('part two', { fin: true });
    const text = (await readAll(await next)).toString();
    expect(text).toBe('part one, part two');
    const echo = wsMessage(ws);
    conn.sink.next(text);
    expect((await echo).data.toString()).toBe(text);
  });
});

/** What stream-receiver-child.ts reports. */
interface ReceiverResult {
  bytes: number;
  problem: string | undefined;
  error: string | undefined;
  consumerWaitMs: number;
  seconds: number;
  baselineRssMb: number;
  peakRssMb: number;
  peakRssGrowthMb: number;
}

describe('R60 a large upload received as a stream by a slow consumer, in another process', () => {
  let child: Child<ReceiverResult> | undefined;
  afterEach(async () => {
    await child?.stop();
    child = undefined;
  });

  it('256 MiB in one frame: read chunk by chunk with 50 ms stops every 16 MiB, every byte checked, the peer held back, and RSS grows by under 64 MiB', async () => {
    const totalBytes = 256 * MiB;
    child = await startChild<ReceiverResult>('spec/helpers/stream-receiver-child.ts', { totalBytes, mode: 'stream', pauseEveryBytes: 16 * MiB, pauseMs: 50 });
    const written = await writeHugeFrame(child.port, totalBytes, 60_000);
    const result = await child.result(30_000);
    written.socket.destroy();
    expect([result.bytes, result.problem, result.error]).toEqual([totalBytes, undefined, undefined]);
    expect(result.consumerWaitMs).toBeGreaterThanOrEqual(15 * 50);
    // While the consumer waited, the socket was paused and the writer here was kept waiting too.
    expect(written.drainWaitMs).toBeGreaterThanOrEqual(result.consumerWaitMs / 2);
    // Whole, the message alone would be 256 MiB (maxMessageBytes is set to it). Node 20 and 22
    // grow 33-36 MiB; Node 24 49-77 MiB, most of it dead socket reads (see rssBoundMb).
    expect(result.peakRssGrowthMb).toBeLessThan(rssBoundMb(64));
  }, 90_000);
});

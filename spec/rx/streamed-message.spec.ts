// StreamedMessage (src/rx/streamed-message.ts): one incoming message read as it arrives, over
// real sockets (an rxws server with streamThresholdBytes, a raw peer sending exact frames).
import { firstValueFrom, lastValueFrom, toArray } from 'rxjs';
import { ConnectionClosedError, ProtocolError, UsageError, pacedConcatMap, type Connection, type StreamedMessage } from '../../src';
import { Opcode } from '../../src/protocol/opcode';
import { Resources, sleep, until } from '../helpers/harness';
import { clientFrame } from '../helpers/raw-peer';

const res = new Resources();
afterEach(() => res.dispose());

const KiB = 1024;

async function setup(route: object = {}) {
  const s = await res.server({ streamThresholdBytes: 4, ...route });
  const peer = await res.raw(s.port);
  const conn = await s.nextConnection();
  return { peer, conn };
}

function nextStreamed(conn: Connection): Promise<StreamedMessage> {
  return firstValueFrom(conn.streamedMessages$);
}

async function readAll(message: StreamedMessage): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of message) chunks.push(chunk);
  return Buffer.concat(chunks);
}

describe('reading a streamed message', () => {
  it('for await yields the bytes in order as they arrive; a text message is its UTF-8, decodable with TextDecoder { stream: true }', async () => {
    const { peer, conn } = await setup();
    const next = nextStreamed(conn);
    const euro = Buffer.from('€');
    peer.send(clientFrame(Opcode.Text, Buffer.concat([Buffer.from('price: 1'), euro.subarray(0, 1)]), { fin: false }));
    const message = await next;
    expect(message.type).toBe('text');
    const decoder = new TextDecoder();
    let text = '';
    const reading = (async () => {
      for await (const chunk of message) text += decoder.decode(chunk, { stream: true });
      text += decoder.decode();
    })();
    await until(() => message.receivedBytes === 9);
    peer.send(clientFrame(Opcode.Continuation, euro.subarray(1), { fin: true }));
    await reading;
    expect(text).toBe('price: 1€');
    expect(message.receivedBytes).toBe(11);
  });

  it('chunks$ replays what arrived before the subscription, then emits live, then completes at the end', async () => {
    const { peer, conn } = await setup();
    const next = nextStreamed(conn);
    peer.send(clientFrame(Opcode.Binary, Buffer.from('early'), { fin: false }));
    const message = await next;
    await until(() => message.receivedBytes === 5);
    const all = lastValueFrom(message.chunks$.pipe(toArray()));
    peer.send(clientFrame(Opcode.Continuation, Buffer.from(' late'), { fin: true }));
    expect(Buffer.concat(await all).toString()).toBe('early late');
    expect(message.type).toBe('binary');
  });

  it('has one reader: a second iterator throws a UsageError, a second chunks$ subscriber gets one', async () => {
    const { peer, conn } = await setup();
    const next = nextStreamed(conn);
    peer.send(clientFrame(Opcode.Binary, Buffer.alloc(10)));
    const message = await next;
    const reading = readAll(message);
    expect(() => message[Symbol.asyncIterator]()).toThrow(UsageError);
    await expect(firstValueFrom(message.chunks$)).rejects.toMatchObject({ code: 'already_read' });
    expect((await reading).length).toBe(10);
  });

  it('asking for the next chunk before the previous one came is a UsageError', async () => {
    const { peer, conn } = await setup();
    const next = nextStreamed(conn);
    peer.send(clientFrame(Opcode.Binary, Buffer.alloc(10), { fin: false }));
    const message = await next;
    const iterator = message[Symbol.asyncIterator]();
    await iterator.next();
    const first = iterator.next();
    await expect(iterator.next()).rejects.toMatchObject({ code: 'concurrent_read' });
    peer.send(clientFrame(Opcode.Continuation, Buffer.alloc(3), { fin: true }));
    await expect(first).resolves.toMatchObject({ done: false });
  });

  it('leaving the loop early discards the rest: it is read and dropped, and the next message arrives as usual', async () => {
    const { peer, conn } = await setup({ backlogBytes: 16 * KiB });
    const next = nextStreamed(conn);
    const whole = conn.waitForMessage('text', { timeoutMs: 5000 });
    peer.send(clientFrame(Opcode.Binary, Buffer.alloc(1000, 1), { fin: false }));
    const message = await next;
    for await (const chunk of message) {
      expect(chunk[0]).toBe(1);
      break;
    }
    // 200 KiB more of it, far past backlogBytes: dropped, not queued, so the socket flows on.
    for (let i = 0; i < 200; i++) peer.send(clientFrame(Opcode.Continuation, Buffer.alloc(KiB, 2), { fin: false }));
    peer.send(clientFrame(Opcode.Continuation, Buffer.alloc(0), { fin: true }));
    peer.send(clientFrame(Opcode.Text, 'ok'));
    await expect(whole).resolves.toEqual({ type: 'text', data: 'ok' });
    expect(message.receivedBytes).toBe(1000 + 200 * KiB);
  });

  it('discard() before reading works the same, and a reader waiting for a chunk sees the end', async () => {
    const { peer, conn } = await setup();
    const next = nextStreamed(conn);
    peer.send(clientFrame(Opcode.Binary, Buffer.alloc(10), { fin: false }));
    const message = await next;
    const iterator = message[Symbol.asyncIterator]();
    await iterator.next();
    const waiting = iterator.next();
    message.discard();
    await expect(waiting).resolves.toEqual({ done: true, value: undefined });
    message.discard(); // twice is fine
  });

  it('R12 invalid UTF-8 mid-message: the chunks before it are read, then the read fails with the ProtocolError (1007)', async () => {
    const { peer, conn } = await setup();
    const next = nextStreamed(conn);
    peer.send(clientFrame(Opcode.Text, 'valid start', { fin: false }));
    const message = await next;
    await until(() => message.receivedBytes === 11);
    peer.send(clientFrame(Opcode.Continuation, Buffer.from([0x61, 0xc0, 0x80]), { fin: true }));
    const got: string[] = [];
    const failure = await (async () => {
      try {
        for await (const chunk of message) got.push(Buffer.from(chunk).toString());
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(got.join('')).toMatch(/^valid start/);
    expect(got.join('')).not.toContain('\uFFFD');
    expect(failure).toBeInstanceOf(ProtocolError);
    expect(failure).toMatchObject({ code: 'invalid_utf8', closeCode: 1007 });
    await expect(firstValueFrom(conn.closed$)).resolves.toMatchObject({ code: 1007 });
  });

  it('R34 maxMessageBytes still caps the total: chunks$ errors with the ProtocolError (1009) at the offending fragment', async () => {
    const { peer, conn } = await setup({ maxMessageBytes: 100 });
    const next = nextStreamed(conn);
    peer.send(clientFrame(Opcode.Binary, Buffer.alloc(60), { fin: false }));
    const message = await next;
    const all = lastValueFrom(message.chunks$.pipe(toArray()));
    peer.send(clientFrame(Opcode.Continuation, Buffer.alloc(60), { fin: true }));
    await expect(all).rejects.toMatchObject({ code: 'message_too_big', closeCode: 1009 });
    expect(message.receivedBytes).toBe(60);
  });

  it('R20 the peer dropping mid-message fails the read with ConnectionClosedError (1006)', async () => {
    const { peer, conn } = await setup();
    const next = nextStreamed(conn);
    peer.send(clientFrame(Opcode.Binary, Buffer.alloc(10), { fin: false }));
    const message = await next;
    const reading = readAll(message);
    await until(() => message.receivedBytes === 10);
    peer.destroy();
    await expect(reading).rejects.toBeInstanceOf(ConnectionClosedError);
    await expect(reading).rejects.toMatchObject({ closeCode: 1006 });
  });

  it('R40 pause() stops reading from the socket until resume()', async () => {
    const { peer, conn } = await setup();
    const next = nextStreamed(conn);
    peer.send(clientFrame(Opcode.Binary, Buffer.alloc(10), { fin: false }));
    const message = await next;
    const reading = readAll(message);
    await until(() => message.receivedBytes === 10);
    message.pause();
    peer.send(clientFrame(Opcode.Continuation, Buffer.alloc(10), { fin: true }));
    await sleep(100);
    expect(message.receivedBytes).toBe(10);
    message.resume();
    expect((await reading).length).toBe(20);
  });

  it('R40 pacedConcatMap(message, ...) over chunks$ processes the chunks one at a time, in order, pausing the message when behind', async () => {
    const { peer, conn } = await setup({ backlogBytes: 1024 * KiB, streamThresholdBytes: 1 });
    const next = nextStreamed(conn);
    peer.send(clientFrame(Opcode.Binary, Buffer.from([0]), { fin: false }));
    const message = await next;
    const pauses: string[] = [];
    const watched = {
      pause: () => {
        pauses.push('pause');
        message.pause();
      },
      resume: () => {
        pauses.push('resume');
        message.resume();
      },
    };
    const processed = lastValueFrom(
      message.chunks$.pipe(
        pacedConcatMap(watched, async (chunk) => {
          await sleep(1);
          return chunk[0]!;
        }, { highWaterMark: 4, lowWaterMark: 1 }),
        toArray(),
      ),
    );
    for (let i = 1; i < 40; i++) peer.send(clientFrame(Opcode.Continuation, Buffer.from([i]), { fin: i === 39 }));
    expect(await processed).toEqual(Array.from({ length: 40 }, (_, i) => i));
    expect(pauses).toContain('pause');
  });
});

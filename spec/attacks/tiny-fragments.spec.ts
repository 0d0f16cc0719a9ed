// RELIABILITY 35 end to end: a million tiny fragments over a real socket. Either the fragment cap
// fails the connection with 1008, or (with the cap raised) the message arrives intact; memory
// stays bounded either way (measured in a child process with --expose-gc).
import * as net from 'node:net';
import { createHash } from 'node:crypto';
import { clientFrame } from '../helpers/raw-peer';
import { closeCodeOf } from '../helpers/harness';
import { childServerPerTest, expectBoundedMemory } from './child-server';

const MILLION = 1_000_000;

/** Writes `count` fragments of one binary message (payload byte i%251 each, or empty), honouring drain. */
async function writeFragments(socket: net.Socket, count: number, payloadBytes: 0 | 1): Promise<Buffer> {
  const first = clientFrame(2, payloadBytes === 1 ? Buffer.from([0]) : Buffer.alloc(0), { fin: false });
  const size = first.length;
  const batch = 8192;
  const sent = Buffer.alloc(count * payloadBytes);
  for (let start = 0; start < count && !socket.destroyed; start += batch) {
    const n = Math.min(batch, count - start);
    const chunk = Buffer.alloc(n * size);
    for (let i = 0; i < n; i++) {
      const index = start + i;
      const byte = index % 251;
      if (payloadBytes === 1) sent[index] = byte;
      const frame = clientFrame(index === 0 ? 2 : 0, payloadBytes === 1 ? Buffer.from([byte]) : Buffer.alloc(0), { fin: index === count - 1 });
      frame.copy(chunk, i * size);
    }
    if (!socket.write(chunk)) {
      await new Promise<void>((resolve) => {
        socket.once('drain', resolve);
        socket.once('close', resolve);
      });
    }
  }
  return sent;
}

describe('RELIABILITY 35: a million tiny fragments, end to end', () => {
  const open = childServerPerTest();

  it('1-byte fragments past the default maxFragments (131,072) → 1008 at the cap; memory bounded', async () => {
    const { child, peer } = await open();
    expect((await peer.upgrade('/')).status).toBe(101);
    const writing = writeFragments(peer.socket, MILLION, 1);
    const result = await child.nextResult(60_000);
    await writing;
    expect(result.close.code).toBe(1008);
    expect(result.messages).toBe(0);
    expect(result.errors).toContain('too_many_fragments');
    const frames = await peer.frames(1);
    expect(frames.map((f) => f.opcode)).toEqual([8]);
    expect(closeCodeOf(frames[0]!)).toBe(1008);
    // 131,072 fragments: a list of views would cost 10 MB and more; one growing buffer ~256 KB.
    expectBoundedMemory(result, child.baseline, { peakHeapMb: 16, peakRssMb: 48 });
  }, 90_000);

  it('with maxFragments raised to 2,000,000: a million 1-byte fragments arrive as one intact 1 MB message; memory bounded', async () => {
    const { child, peer } = await open({ server: { maxFragments: 2_000_000 } });
    expect((await peer.upgrade('/')).status).toBe(101);
    const sent = await writeFragments(peer.socket, MILLION, 1);
    peer.send(clientFrame(8, Buffer.from([0x03, 0xe8])));
    const result = await child.nextResult(60_000);
    expect(result.close.code).toBe(1000);
    expect(result.messages).toBe(1);
    expect(result.bytes).toBe(MILLION);
    expect(result.sha256).toBe(createHash('sha256').update(sent).digest('hex'));
    expectBoundedMemory(result, child.baseline, { peakHeapMb: 16, peakRssMb: 48 });
  }, 90_000);

  it('with maxFragments raised: a million empty fragments make one empty message; memory bounded', async () => {
    const { child, peer } = await open({ server: { maxFragments: 2_000_000 } });
    expect((await peer.upgrade('/')).status).toBe(101);
    await writeFragments(peer.socket, MILLION, 0);
    peer.send(clientFrame(8, Buffer.from([0x03, 0xe8])));
    const result = await child.nextResult(60_000);
    expect(result).toMatchObject({ messages: 1, bytes: 0, close: { code: 1000 } });
    expectBoundedMemory(result, child.baseline, { peakHeapMb: 16, peakRssMb: 48 });
  }, 90_000);
});

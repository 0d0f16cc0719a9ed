// RELIABILITY 36 end to end: a peer that writes its frames one byte per TCP write (Nagle off), a
// million writes in all. The server must assemble every message correctly (or, if it chose to
// refuse such a peer, close with 1008), in bounded time and memory (measured in a child process).
import { createHash } from 'node:crypto';
import { clientFrame } from '../helpers/raw-peer';
import { childServerPerTest, expectBoundedMemory } from './child-server';

const MESSAGES = 1000;
const MESSAGE_BYTES = 1000; // 1008 bytes on the wire each (2 + 2 length + 4 mask): ~1,008,000 writes

describe('RELIABILITY 36: a million 1-byte TCP writes', () => {
  const open = childServerPerTest();

  it('every message arrives intact and in order (or the peer is refused with 1008), within 60 s and bounded memory', async () => {
    const { child, peer } = await open();
    expect((await peer.upgrade('/')).status).toBe(101);
    const socket = peer.socket;
    socket.setNoDelay(true);
    const hash = createHash('sha256');
    const frames: Buffer[] = [];
    for (let m = 0; m < MESSAGES; m++) {
      const text = `${String(m).padStart(6, '0')}:`.padEnd(MESSAGE_BYTES, String.fromCharCode(97 + (m % 26)));
      hash.update(text);
      frames.push(clientFrame(1, text));
    }
    frames.push(clientFrame(8, Buffer.from([0x03, 0xe8])));
    const wire = Buffer.concat(frames);
    const started = Date.now();
    let writes = 0;
    for (let i = 0; i < wire.length && !socket.destroyed; i++) {
      writes++;
      if (!socket.write(wire.subarray(i, i + 1))) {
        await new Promise<void>((resolve) => {
          socket.once('drain', resolve);
          socket.once('close', resolve);
        });
      } else if ((i & 1023) === 1023) {
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    const result = await child.nextResult(60_000);
    const elapsedMs = Date.now() - started;
    expect(writes).toBeGreaterThan(1_000_000);
    expect(elapsedMs).toBeLessThan(60_000);
    if (result.close.code === 1008) {
      expect(result.messages).toBeLessThan(MESSAGES);
    } else {
      expect(result).toMatchObject({ messages: MESSAGES, bytes: MESSAGES * MESSAGE_BYTES, sha256: hash.digest('hex'), close: { code: 1000 } });
    }
    expectBoundedMemory(result, child.baseline, { peakHeapMb: 16, peakRssMb: 48 });
  }, 90_000);
});

// Decompression bombs against the shared zlib limiter (RELIABILITY 30 and 33): connections that
// keep one expensive compressed message in the zlib queue each must not make an unrelated
// client's compressed echo wait for all of them. The delay is measured in the attack's own unit
// (bombs the server finished while the victim waited), as a ratio to the number of attackers,
// so the figure holds on a slow or busy machine.
import { deflateRawSync, constants } from 'node:zlib';
import { encodeFrame } from '../../src/protocol/frame-serializer';
import { fixedMaskSource } from '../../src/protocol/mask';
import { WebSocketServer, openConnection, type ClientConnection } from '../../src';
import { drainDeflatePool } from '../../src/transport/deflate-codec';
import { DEFAULT_ZLIB_CONCURRENCY, setDeflateConcurrency, zlibLimiter } from '../../src/transport/zlib-limiter';
import { sleep, until } from '../helpers/harness';
import { RawPeer } from '../helpers/raw-peer';

const MiB = 1024 * 1024;
const mask = fixedMaskSource(Uint8Array.of(1, 2, 3, 4));

/** A masked, compressed binary frame (RFC 7692 §7.2.1: the sync-flush trailer removed). */
function compressedFrame(data: Uint8Array): Buffer {
  const deflated = deflateRawSync(data, { finishFlush: constants.Z_SYNC_FLUSH });
  return Buffer.from(encodeFrame(2, deflated.subarray(0, deflated.length - 4), { rsv1: true, mask }));
}

describe('RELIABILITY 33: a zlib bomb flood does not hold up other connections', () => {
  let server: WebSocketServer | undefined;
  const peers: RawPeer[] = [];
  let victim: ClientConnection | undefined;
  afterEach(async () => {
    victim?.terminate();
    for (const p of peers.splice(0)) p.destroy();
    await server?.close({ timeoutMs: 100 });
    setDeflateConcurrency(DEFAULT_ZLIB_CONCURRENCY);
  });
  afterAll(() => drainDeflatePool());

  it("the victim's echo waits for a few bombs, not for one per attacker", async () => {
    const attackers = 24;
    const concurrency = 2;
    setDeflateConcurrency(concurrency);
    server = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: { thresholdBytes: 0 }, maxMessageBytes: 8 * MiB });
    let bombs = 0;
    server.route({
      path: '/',
      handle: (conn) => {
        conn.messages$.subscribe((m) => {
          if (m.type === 'binary') bombs++;
          else if (m.type === 'text') conn.sink.next(m.data); // the victim's echo, compressed back
        });
      },
    });
    const { port } = await server.listen();

    // Each attacker keeps bombs coming: 3 MiB of zeros in a few KiB, one after another; the
    // server inflates one per connection at a time, so each attacker has one in the queue.
    const bomb = compressedFrame(new Uint8Array(3 * MiB));
    const perAttacker = 30;
    for (let i = 0; i < attackers; i++) {
      const peer = await RawPeer.connect(port);
      peers.push(peer);
      expect((await peer.upgrade('/', { 'Sec-WebSocket-Extensions': 'permessage-deflate' })).status).toBe(101);
    }
    victim = await openConnection(`ws://127.0.0.1:${port}/`, { perMessageDeflate: { thresholdBytes: 0 } });
    for (const peer of peers) peer.send(Buffer.concat(Array.from({ length: perAttacker }, () => bomb)));
    await until(() => bombs >= 2 * attackers, 20_000, 'the attack to be under way');

    const waits: number[] = [];
    for (let round = 0; round < 3; round++) {
      const before = bombs;
      const echoed = victim.waitForMessage('text', { timeoutMs: 30_000 });
      victim.sink.next(`victim ${round} `.repeat(50));
      await echoed;
      waits.push(bombs - before);
      await sleep(5);
    }
    // Still under attack when the last echo came (else the figure would mean nothing).
    expect(bombs).toBeLessThan(attackers * perAttacker);
    // Each round trip is two zlib jobs (inflate, then compress the echo). First come, first
    // served, each waits behind a bomb per attacker (about 2 × attackers); shared fairly, each
    // waits for a slot to free up.
    const ratio = Math.max(...waits) / attackers;
    expect({ waits, ratio: ratio <= 0.5 }).toEqual({ waits, ratio: true });
  }, 60_000);

  it('bombs from many fresh connections queued at once (each inflating past maxMessageBytes): the victim waits for a slot, not for the bombs queued before it', async () => {
    const attackers = 24;
    const concurrency = 2;
    setDeflateConcurrency(concurrency);
    server = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: { thresholdBytes: 0 }, maxMessageBytes: 8 * MiB });
    let refused = 0;
    server.route({
      path: '/',
      handle: (conn) => {
        conn.messages$.subscribe((m) => {
          if (m.type === 'text') conn.sink.next(m.data);
          else if (m.type === 'close' && m.code === 1009) refused++;
        });
      },
    });
    const { port } = await server.listen();
    victim = await openConnection(`ws://127.0.0.1:${port}/`, { perMessageDeflate: { thresholdBytes: 0 } });
    // 64 MiB of zeros in full-flush segments (each one stands alone): the server inflates
    // 8 MiB of it, then closes with 1009.
    const segment = deflateRawSync(new Uint8Array(16 * MiB), { finishFlush: constants.Z_FULL_FLUSH });
    const data = Buffer.concat([segment, segment, segment, segment]);
    const bomb = Buffer.from(encodeFrame(2, data.subarray(0, data.length - 4), { rsv1: true, mask }));
    for (let i = 0; i < attackers; i++) {
      const peer = await RawPeer.connect(port);
      peers.push(peer);
      expect((await peer.upgrade('/', { 'Sec-WebSocket-Extensions': 'permessage-deflate' })).status).toBe(101);
    }
    for (const peer of peers) peer.send(bomb);
    await until(() => zlibLimiter.queued >= attackers - concurrency - refused, 20_000, 'every bomb to be queued');
    const before = refused;
    const echoed = victim.waitForMessage('text', { timeoutMs: 60_000 });
    victim.sink.next('victim '.repeat(50));
    await echoed;
    const waited = refused - before;
    await until(() => refused === attackers, 60_000, 'every bomb to be refused');
    // First come, first served: every bomb queued before it (about `attackers`). Shared fairly:
    // the slots already taken, and a few more.
    expect({ waited, ratio: waited / attackers <= 0.25 }).toEqual({ waited, ratio: true });
  }, 90_000);
});

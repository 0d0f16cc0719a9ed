// The peer that does not read, end to end (RELIABILITY 39 and 41). spec/rx/connection.spec.ts
// already checks that bufferedAmount stays under the cap for both policies and under a ping
// flood; this adds what it leaves open: that pongs are really coalesced (the most recent ping is
// the one answered), that a flood leaves no CPU spin behind, and that the server's heap and RSS
// stay flat while it is asked to send hundreds of megabytes (measured in a --expose-gc child).
import { FrameReader, clientFrame } from '../helpers/raw-peer';
import { Resources, sleep, until } from '../helpers/harness';
import { childServerPerTest, expectBoundedMemory, type ChildServer } from './child-server';

const KiB = 1024;
const MiB = 1024 * KiB;

describe('RELIABILITY 41: a ping flood while we are not being read', () => {
  const res = new Resources();
  afterEach(() => res.dispose());

  it('pongs are coalesced (the most recent ping is answered), outbound stays bounded, and nothing spins once the flood stops', async () => {
    const cap = 256 * KiB;
    const s = await res.server({}, { maxBufferedBytes: cap, closeTimeoutMs: 500 });
    const peer = await res.raw(s.port);
    const conn = await s.nextConnection();
    const reader = new FrameReader();
    const pongs: string[] = [];
    peer.socket.on('data', (chunk: Buffer) => {
      for (const f of reader.push(chunk)) if (f.opcode === 10) pongs.push(f.payload.toString('latin1'));
    });
    peer.socket.pause(); // we never read the pongs (until the end)
    const payload = (n: number) => `ping ${String(n).padStart(8, '0')} `.padEnd(125, '.');
    let sent = 0;
    let maxBuffered = 0;
    let overCapSince: number | undefined;
    // Flood until the server has been over its cap for 60,000 more pings. (Before that, the kernel's
    // socket buffers take tens of thousands of pongs: loopback buffers hold megabytes.)
    while (conn.state === 'open' && (overCapSince === undefined || sent - overCapSince < 60_000)) {
      if (sent > 2_000_000) throw new Error('the server never went over its outbound cap');
      const batch = Buffer.concat(Array.from({ length: 500 }, () => clientFrame(9, payload(sent++))));
      peer.send(batch);
      await sleep(1);
      maxBuffered = Math.max(maxBuffered, conn.bufferedAmount);
      if (overCapSince === undefined && conn.bufferedAmount > cap) overCapSince = sent;
      if (peer.socket.writableLength > 8 * MiB) await until(() => peer.socket.writableLength < MiB, 10_000, 'the server to read the flood');
    }
    expect(conn.state).toBe('open');
    await until(() => peer.socket.writableLength === 0, 10_000, 'the flood to be written');
    await sleep(50);
    maxBuffered = Math.max(maxBuffered, conn.bufferedAmount);
    expect(maxBuffered).toBeLessThanOrEqual(cap + 64 * KiB);

    // No CPU spin: with the flood over and the peer still not reading, the process idles.
    const cpu = process.cpuUsage();
    await sleep(500);
    const used = process.cpuUsage(cpu);
    expect((used.user + used.system) / 1000).toBeLessThan(150);

    // Now read: far fewer pongs than pings, in order, and the last one answers the last ping.
    peer.socket.resume();
    const last = payload(sent - 1);
    await until(() => pongs.includes(last), 10_000, 'the held pong for the most recent ping, once our output drains');
    // And the connection is alive: a new ping is answered.
    peer.send(clientFrame(9, 'final'));
    await until(() => pongs.includes('final'), 5000, 'the pong for a new ping');
    const numbers = pongs.filter((p) => p.startsWith('ping ')).map((p) => Number(p.slice(5, 13)));
    expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
    // Of the 60,000 pings sent while over the cap (less one batch of slack in noticing it), only
    // the most recent was answered: RFC 6455 §5.5.3 lets an endpoint answer just the last ping.
    expect(numbers.filter((n) => n >= overCapSince! + 500)).toEqual([sent - 1]);
    expect(numbers.length).toBeLessThan(sent / 2);
  }, 60_000);
});

describe('RELIABILITY 39: a peer that never reads our output, with memory measured', () => {
  const open = childServerPerTest();
  let baseline: ChildServer['baseline'];

  async function flood(backpressure: 'close' | 'drop') {
    const { child, peer } = await open({ server: { maxBufferedBytes: MiB, backpressure, closeTimeoutMs: 500 }, flood: { messageBytes: 64 * KiB, ms: 1500 } });
    baseline = child.baseline;
    expect((await peer.upgrade('/')).status).toBe(101);
    peer.socket.pause(); // never read
    return child.nextResult(30_000);
  }

  it("policy 'close': the cap fails the connection with 1008; heap and RSS stay flat", async () => {
    const result = await flood('close');
    expect(result.close.code).toBe(1008);
    expect(result.errors).toContain('backpressure_close');
    expectBoundedMemory(result, baseline, { peakHeapMb: 16, peakRssMb: 48 });
  }, 60_000);

  it("policy 'drop': 1.5 s of sending to a peer that never reads drops what is over the cap (reported), and heap and RSS stay flat", async () => {
    const result = await flood('drop');
    expect(result.errors).toEqual(['backpressure_drop']);
    // Hundreds of MB were offered; only the cap and the kernel's buffers were ever held.
    expect(result.sent).toBeGreaterThan(64 * MiB);
    // The flood ends with close(1000), which the peer never answers: 1006 at closeTimeoutMs.
    expect(result.close.code).toBe(1006);
    expectBoundedMemory(result, baseline, { peakHeapMb: 16, peakRssMb: 48 });
  }, 60_000);
});

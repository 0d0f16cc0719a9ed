// The dead-peer detector (RELIABILITY 43-45): in virtual time on Heartbeat itself with a fake host,
// then over a real socket with small intervals against a raw peer.
import { firstValueFrom } from 'rxjs';
import { Opcode } from '../../src/protocol/opcode';
import { Heartbeat, type HeartbeatHost } from '../../src/transport/heartbeat';
import { Resources, sleep } from '../helpers/harness';
import { clientFrame, type RawFrame, type RawPeer } from '../helpers/raw-peer';

describe('Heartbeat in virtual time (R43-R45)', () => {
  const intervalMs = 1000;
  const timeoutMs = 300;

  class FakeHost implements HeartbeatHost {
    pings: Uint8Array[] = [];
    terminated = 0;
    sendPing(payload: Uint8Array): void {
      this.pings.push(Uint8Array.from(payload));
    }
    terminate(): void {
      this.terminated++;
    }
  }

  let host: FakeHost;
  let heartbeat: Heartbeat;

  beforeEach(() => {
    jest.useFakeTimers();
    host = new FakeHost();
    heartbeat = new Heartbeat({ intervalMs, timeoutMs }, host);
  });

  afterEach(() => {
    heartbeat.stop();
    jest.useRealTimers();
  });

  it('R43 a silent peer: a ping after intervalMs, then terminate after timeoutMs without a pong', () => {
    jest.advanceTimersByTime(intervalMs - 1);
    expect(host.pings).toHaveLength(0);
    jest.advanceTimersByTime(1);
    expect(host.pings).toHaveLength(1);
    expect(host.terminated).toBe(0);
    jest.advanceTimersByTime(timeoutMs - 1);
    expect(host.terminated).toBe(0);
    jest.advanceTimersByTime(1);
    expect(host.terminated).toBe(1);
    expect(jest.getTimerCount()).toBe(0); // nothing re-armed after terminate
    jest.advanceTimersByTime(10 * intervalMs);
    expect(host.terminated).toBe(1);
    expect(host.pings).toHaveLength(1);
  });

  it('R43 the ping payload is at most 125 bytes and differs from one ping to the next', () => {
    jest.advanceTimersByTime(intervalMs);
    heartbeat.pong(host.pings[0]!);
    jest.advanceTimersByTime(timeoutMs + intervalMs);
    expect(host.pings).toHaveLength(2);
    expect(host.pings[0]!.length).toBeLessThanOrEqual(125);
    expect(Buffer.from(host.pings[0]!).equals(Buffer.from(host.pings[1]!))).toBe(false);
  });

  it('R43 a peer that answers every ping is never terminated, and is pinged again after more silence', () => {
    jest.advanceTimersByTime(intervalMs);
    expect(host.pings).toHaveLength(1);
    heartbeat.pong(host.pings[0]!);
    for (let round = 0; round < 5; round++) {
      // The answered ping is settled when its timeout fires; the next goes out one interval later.
      const before = host.pings.length;
      jest.advanceTimersByTime(timeoutMs + intervalMs);
      expect(host.pings.length).toBe(before + 1);
      heartbeat.pong(host.pings[host.pings.length - 1]!);
    }
    jest.advanceTimersByTime(timeoutMs);
    expect(host.terminated).toBe(0);
  });

  it('R43 a pong that arrives just before the timeout saves the connection', () => {
    jest.advanceTimersByTime(intervalMs);
    jest.advanceTimersByTime(timeoutMs - 1);
    heartbeat.pong(host.pings[0]!);
    jest.advanceTimersByTime(1);
    expect(host.terminated).toBe(0);
  });

  it('R44 an unsolicited pong (before any ping) does not count as a sign of life', () => {
    jest.advanceTimersByTime(intervalMs / 2);
    heartbeat.pong(new Uint8Array([1, 2, 3]));
    jest.advanceTimersByTime(intervalMs / 2);
    expect(host.pings).toHaveLength(1); // still pinged: the pong was not traffic
    jest.advanceTimersByTime(timeoutMs);
    expect(host.terminated).toBe(1);
  });

  it('R44 a mismatched pong does not satisfy the outstanding ping', () => {
    jest.advanceTimersByTime(intervalMs);
    const wrong = Uint8Array.from(host.pings[0]!);
    wrong[wrong.length - 1]! ^= 1;
    heartbeat.pong(wrong);
    heartbeat.pong(new Uint8Array(0));
    jest.advanceTimersByTime(timeoutMs);
    expect(host.terminated).toBe(1);
  });

  it('R44 a pong for an earlier, already-settled ping does not satisfy the current one', () => {
    jest.advanceTimersByTime(intervalMs);
    const first = host.pings[0]!;
    heartbeat.pong(first);
    jest.advanceTimersByTime(timeoutMs + intervalMs); // second ping out
    expect(host.pings).toHaveLength(2);
    heartbeat.pong(first); // a replayed, stale pong
    jest.advanceTimersByTime(timeoutMs);
    expect(host.terminated).toBe(1);
  });

  it('R45 inbound traffic resets the idle timer: no ping while data keeps arriving', () => {
    for (let i = 0; i < 20; i++) {
      jest.advanceTimersByTime(intervalMs / 2);
      heartbeat.traffic();
    }
    expect(host.pings).toHaveLength(0);
    // Then silence: a ping within two intervals (the timer checks a flag; see heartbeat.ts).
    jest.advanceTimersByTime(2 * intervalMs);
    expect(host.pings).toHaveLength(1);
  });

  it('R45 data while a ping is outstanding keeps the connection alive', () => {
    jest.advanceTimersByTime(intervalMs);
    expect(host.pings).toHaveLength(1);
    heartbeat.traffic();
    jest.advanceTimersByTime(timeoutMs);
    expect(host.terminated).toBe(0);
  });

  it('stop() leaves no timer behind and nothing fires afterwards', () => {
    jest.advanceTimersByTime(intervalMs); // a ping is outstanding
    heartbeat.stop();
    expect(jest.getTimerCount()).toBe(0);
    jest.advanceTimersByTime(10 * intervalMs);
    expect(host.terminated).toBe(0);
    expect(host.pings).toHaveLength(1);
    heartbeat.stop(); // idempotent
  });
});

describe('heartbeat over a real socket (R43-R45, intervals of 50 ms)', () => {
  const res = new Resources();
  afterEach(() => res.dispose());

  async function setup(intervalMs = 50) {
    const s = await res.server({ heartbeat: { intervalMs, timeoutMs: 50 } });
    const peer = await res.raw(s.port);
    const conn = await s.nextConnection();
    return { peer, conn };
  }

  /** Reads the server's frames in the background, answering pings with `answer` (or not). */
  function serve(peer: RawPeer, answer: (ping: RawFrame) => Buffer | undefined): { pings: number; stop: () => void } {
    const state = { pings: 0, stop: () => (running = false) };
    let running = true;
    void (async () => {
      while (running && !peer.socket.destroyed) {
        const frames = await peer.frames(1, 1000).catch(() => []);
        for (const frame of frames) {
          if (frame.opcode !== Opcode.Ping) continue;
          state.pings++;
          const reply = answer(frame);
          if (reply !== undefined && !peer.socket.destroyed) peer.send(reply);
        }
        if (frames.length === 0 && peer.serverEnded) return;
      }
    })();
    return state;
  }

  it('R43 a peer that never answers pings is terminated: close event 1006, and no timer is left', async () => {
    const { peer, conn } = await setup();
    const started = Date.now();
    const seen = serve(peer, () => undefined);
    const close = await firstValueFrom(conn.closed$);
    seen.stop();
    expect(close).toEqual({ type: 'close', code: 1006, reason: '', wasClean: false });
    expect(seen.pings).toBeGreaterThanOrEqual(1);
    expect(Date.now() - started).toBeLessThan(1000);
    await peer.closed;
    await sleep(5);
    // (A process-wide timer count proved nondeterministic under Jest; check our own timer.)
    const transport = (conn as unknown as { transport: { heartbeat: { timer: unknown }; closeTimer: unknown } }).transport;
    expect(transport.heartbeat.timer).toBeUndefined();
    expect(transport.closeTimer).toBeUndefined();
  });

  it('R43 a peer that answers pings stays open', async () => {
    const { peer, conn } = await setup();
    const seen = serve(peer, (ping) => clientFrame(Opcode.Pong, ping.payload));
    await sleep(400);
    seen.stop();
    expect(conn.state).toBe('open');
    expect(seen.pings).toBeGreaterThanOrEqual(2);
  });

  it('R44 a peer that answers pings with mismatched pongs is terminated (1006)', async () => {
    const { peer, conn } = await setup();
    const seen = serve(peer, (ping) => {
      const wrong = Buffer.from(ping.payload);
      wrong[0]! ^= 0xff;
      return clientFrame(Opcode.Pong, wrong);
    });
    const closed = firstValueFrom(conn.closed$);
    const outcome = await Promise.race([closed, sleep(600).then(() => 'still open' as const)]);
    seen.stop();
    expect(outcome).toEqual({ type: 'close', code: 1006, reason: '', wasClean: false });
  });

  it('R44 a peer that only sends unsolicited pongs is terminated (1006)', async () => {
    const { peer, conn } = await setup();
    const seen = serve(peer, () => undefined);
    const timer = setInterval(() => {
      if (!peer.socket.destroyed) peer.send(clientFrame(Opcode.Pong, 'unsolicited'));
    }, 10);
    const closed = firstValueFrom(conn.closed$);
    const outcome = await Promise.race([closed, sleep(600).then(() => 'still open' as const)]);
    clearInterval(timer);
    seen.stop();
    expect(outcome).toEqual({ type: 'close', code: 1006, reason: '', wasClean: false });
  });

  it('R45 pings from the peer are signs of life too: a peer that pings often is never pinged nor terminated', async () => {
    // A 250 ms interval against a peer that speaks every 10 ms: a loaded machine may stall the
    // peer's timer for a while without the peer looking idle. Pings the server sent before the
    // peer began (setup can take longer than one interval) are not counted.
    const { peer, conn } = await setup(250);
    const seen = serve(peer, () => undefined);
    const speak = () => {
      if (!peer.socket.destroyed) peer.send(clientFrame(Opcode.Ping, 'me too'));
    };
    speak();
    const timer = setInterval(speak, 10);
    await sleep(300);
    const before = seen.pings;
    await sleep(1000);
    clearInterval(timer);
    seen.stop();
    expect(conn.state).toBe('open');
    expect(seen.pings - before).toBe(0);
  });

  it('a connection whose reading is paused cannot read the pong: a pause longer than intervalMs + timeoutMs ends it (1006)', async () => {
    // What heartbeats.md warns about: the answer waits behind the pause like any other input.
    const { peer, conn } = await setup();
    const seen = serve(peer, (ping) => clientFrame(Opcode.Pong, ping.payload));
    conn.pause();
    const closed = firstValueFrom(conn.closed$);
    const outcome = await Promise.race([closed, sleep(600).then(() => 'still open' as const)]);
    seen.stop();
    expect(outcome).toEqual({ type: 'close', code: 1006, reason: '', wasClean: false });
    expect(seen.pings).toBeGreaterThanOrEqual(1);
  });

  it('R45 inbound data resets the idle timer: a chatty peer is never pinged nor terminated', async () => {
    // A 250 ms interval against a peer that speaks every 10 ms: a loaded machine may stall the
    // peer's timer for a while without the peer looking idle. Pings the server sent before the
    // peer began (setup can take longer than one interval) are not counted.
    const { peer, conn } = await setup(250);
    const seen = serve(peer, () => undefined);
    const speak = () => {
      if (!peer.socket.destroyed) peer.send(clientFrame(Opcode.Text, 'still here'));
    };
    speak();
    const timer = setInterval(speak, 10);
    await sleep(300);
    const before = seen.pings;
    await sleep(1000);
    clearInterval(timer);
    seen.stop();
    expect(conn.state).toBe('open');
    expect(seen.pings - before).toBe(0);
  });
});

/**
 * Scale-out fan-out: one publisher and `subscribers` connections spread over one or more server
 * ports (or one port shared by cluster workers). Each message carries its sequence number, so a
 * sample of subscribers can measure publish-to-delivery latency; the others only count frames.
 * The publisher keeps at most `window` messages undelivered on aggregate, as in the broadcast load.
 *
 * Two wire dialects: plain WebSocket text frames (rxws), and Socket.IO's (engine.io v4 over the
 * websocket transport: `40` to join the default namespace, events as `42["name","data"]`).
 */
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { BENCH_MASK_KEY, FrameCounter, OPCODE_TEXT, buildFrame } from '../lib/frames';
import { percentileOfSorted } from '../lib/stats';
import { closeAll, rawConnect, upgradeRequest, type Opened } from './raw-connect';
import { measureWindow, type CpuProbe } from './window';

export type Dialect = 'ws' | 'socketio';

export interface ScaleOutOptions {
  dialect: Dialect;
  /** Where the publisher connects. */
  publisherPort: number;
  /** Where each subscriber connects, round robin over this list. */
  subscriberPorts: number[];
  subscribers: number;
  payloadBytes: number;
  window: number;
  warmupMs: number;
  measureMs: number;
  /** Subscribers (evenly spread over the ports) whose every message is timed. */
  sampled: number;
  /**
   * Publish at this steady rate instead of as fast as the window allows: latency then measures
   * the path a message takes, not the queue a saturated server builds (which is window / rate).
   */
  ratePerSec?: number;
  /** CPU time of the servers, read at the edges of the measured window. */
  serverCpu?: CpuProbe;
}

export interface ScaleOutResult {
  deliveriesPerSec: number;
  /** Latency samples taken. */
  samples: number;
  p50Ms: number;
  p99Ms: number;
  clientCpuPct: number;
  /** CPU of the servers as a percentage of one core (NaN without a probe). */
  serverCpuPct: number;
}

const SEQ_DIGITS = 12;
const RING = 1 << 16;
/** Where the sequence number starts in a frame's payload, per dialect (`42["m","` is 8 bytes). */
const SEQ_AT: Record<Dialect, number> = { ws: 0, socketio: 8 };

function path(dialect: Dialect, role: 'pub' | 'sub'): string {
  return dialect === 'ws' ? `/?role=${role}` : `/socket.io/?EIO=4&transport=websocket&role=${role}`;
}

/** Waits for the server's frames until `done(text)` says the handshake is over. */
function awaitText(opened: Opened, done: (text: string) => boolean): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let buffered = opened.rest;
    const timer = setTimeout(() => finish(new Error('socket.io handshake timed out')), 10_000);
    const scan = (): void => {
      while (buffered.length >= 2) {
        const len = buffered[1]! & 0x7f;
        const at = len === 126 ? 4 : 2;
        const size = len === 126 ? buffered.readUInt16BE(2) : len;
        if (len === 127 || buffered.length < at + size) return;
        const text = buffered.toString('utf8', at, at + size);
        buffered = buffered.subarray(at + size);
        if (done(text)) return finish(null);
      }
    };
    function finish(error: Error | null): void {
      clearTimeout(timer);
      opened.socket.off('data', onData);
      if (error) reject(error);
      else resolve(buffered);
    }
    const onData = (chunk: Buffer): void => {
      buffered = Buffer.concat([buffered, chunk]);
      scan();
    };
    opened.socket.on('data', onData);
    scan();
  });
}

async function open(dialect: Dialect, port: number, role: 'pub' | 'sub'): Promise<Opened> {
  const opened = await rawConnect(port, 20_000, upgradeRequest(port, path(dialect, role)));
  if (dialect === 'ws') return opened;
  // engine.io open packet ('0{...}'), then join the default namespace and wait for its '40{...}'.
  await awaitText(opened, (text) => text.startsWith('0'));
  opened.socket.write(buildFrame(OPCODE_TEXT, Buffer.from('40'), BENCH_MASK_KEY));
  const rest = await awaitText(opened, (text) => text.startsWith('40'));
  return { socket: opened.socket, rest };
}

async function openMany(dialect: Dialect, ports: number[], count: number): Promise<Opened[]> {
  // Indexed, not pushed as handshakes finish: subscriber i must be on ports[i % ports.length], or
  // the sampled subscribers land on the servers by chance, and local and remote latencies (which
  // differ by the bus hop) mix in a different proportion in every run.
  const opened: Opened[] = new Array(count);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      opened[i] = await open(dialect, ports[i % ports.length]!, 'sub');
    }
  };
  try {
    await Promise.all(Array.from({ length: 32 }, worker));
  } catch (error) {
    for (const o of opened) o?.socket.destroy();
    throw error;
  }
  return opened;
}

/** Reads sequence numbers from the text frames of one sampled subscriber (headers ≤ 4 bytes). */
class SeqReader {
  private pending: Buffer = Buffer.alloc(0);

  constructor(
    private readonly seqAt: number,
    private readonly onSeq: (seq: number) => void,
  ) {}

  push(chunk: Buffer): number {
    let buf = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    let frames = 0;
    for (;;) {
      if (buf.length < 2) break;
      const len = buf[1]! & 0x7f;
      const at = len === 126 ? 4 : 2;
      const size = len === 126 ? buf.readUInt16BE(2) : len;
      if (buf.length < at + size) break;
      const start = at + this.seqAt;
      if (size >= this.seqAt + SEQ_DIGITS) {
        let seq = 0;
        for (let i = 0; i < SEQ_DIGITS; i++) seq = seq * 10 + (buf[start + i]! - 48);
        this.onSeq(seq);
      }
      frames++;
      buf = buf.subarray(at + size);
    }
    this.pending = buf.length > 0 ? Buffer.from(buf) : Buffer.alloc(0);
    return frames;
  }
}

export async function runScaleOutLoad(o: ScaleOutOptions): Promise<ScaleOutResult> {
  const subs = await openMany(o.dialect, o.subscriberPorts, o.subscribers);
  const sockets: Socket[] = subs.map((s) => s.socket);
  let stopped = false;
  let failure: Error | null = null;
  try {
    const pub = await open(o.dialect, o.publisherPort, 'pub');
    sockets.push(pub.socket);
    // Let every server finish subscribing its topic on the bus before the first message.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const receivers = subs.length;
    const sentAt = new Float64Array(RING);
    const latencies: number[] = [];
    let measuring = false;
    let delivered = 0;
    let sent = 0;
    const filler = 'x'.repeat(o.payloadBytes - SEQ_DIGITS);
    const frameFor = (seq: number): Buffer => {
      const body = String(seq).padStart(SEQ_DIGITS, '0') + filler;
      return buildFrame(OPCODE_TEXT, Buffer.from(o.dialect === 'ws' ? body : `42["p","${body}"]`), BENCH_MASK_KEY);
    };
    const paced = o.ratePerSec !== undefined;
    const maybeSend = (): void => {
      if (stopped || paced) return;
      const undelivered = Math.ceil((sent * receivers - delivered) / receivers);
      if (undelivered > o.window >> 1) return;
      const n = o.window - undelivered;
      const frames: Buffer[] = [];
      const now = performance.now();
      for (let i = 0; i < n; i++) {
        sentAt[sent & (RING - 1)] = now;
        frames.push(frameFor(sent++));
      }
      pub.socket.write(Buffer.concat(frames));
    };
    const sampleEvery = Math.max(1, Math.floor(subs.length / o.sampled));
    const portCount = o.subscriberPorts.length;
    subs.forEach(({ socket, rest }, i) => {
      let onData: (chunk: Buffer) => void;
      // Every port's subscriber of every sampleEvery-th round: the same number on each server.
      if (Math.floor(i / portCount) % sampleEvery === 0) {
        const reader = new SeqReader(SEQ_AT[o.dialect], (seq) => {
          if (measuring) latencies.push(performance.now() - sentAt[seq & (RING - 1)]!);
        });
        onData = (chunk) => {
          const got = reader.push(chunk);
          if (got) {
            delivered += got;
            maybeSend();
          }
        };
      } else {
        const counter = new FrameCounter();
        onData = (chunk) => {
          const got = counter.push(chunk);
          if (got) {
            delivered += got;
            maybeSend();
          }
        };
      }
      socket.on('data', onData);
      socket.on('error', (err) => (failure ??= err));
      if (rest.length) onData(rest);
    });
    pub.socket.on('data', () => undefined);
    let pacer: ReturnType<typeof setInterval> | undefined;
    if (paced) {
      pacer = setInterval(() => {
        if (stopped) return;
        sentAt[sent & (RING - 1)] = performance.now();
        pub.socket.write(frameFor(sent++));
      }, 1000 / o.ratePerSec!);
    } else maybeSend();
    const window = measureWindow(() => ({ messages: delivered, bytes: 0 }), o.warmupMs, o.measureMs, o.serverCpu);
    const started = setTimeout(() => (measuring = true), o.warmupMs);
    const result = await window;
    clearTimeout(started);
    clearInterval(pacer);
    measuring = false;
    if (failure) throw failure;
    if (result.messages === 0) throw new Error('nothing was delivered');
    latencies.sort((a, b) => a - b);
    return {
      deliveriesPerSec: result.messages / result.seconds,
      samples: latencies.length,
      p50Ms: percentileOfSorted(latencies, 50),
      p99Ms: percentileOfSorted(latencies, 99),
      clientCpuPct: result.clientCpuPct,
      serverCpuPct: result.serverCpuPct,
    };
  } finally {
    stopped = true;
    await closeAll(sockets);
  }
}

/** Round-trip latency: one connection, one 32-byte frame in flight, timed with hrtime. */
import { BENCH_MASK_KEY, FrameCounter, OPCODE_BINARY, buildFrame } from '../lib/frames';
import { percentile } from '../lib/stats';
import { closeAll, rawConnect } from './raw-connect';
import { sleep } from './window';

export interface LatencyOptions {
  port: number;
  payloadBytes: number;
  warmupMs: number;
  measureMs: number;
  /** Upper bound on samples kept, whatever the time. */
  maxSamples?: number;
}

export interface LatencyResult {
  samples: number;
  p50Us: number;
  p99Us: number;
  maxUs: number;
}

export async function runLatency(o: LatencyOptions): Promise<LatencyResult> {
  const frame = buildFrame(OPCODE_BINARY, Buffer.alloc(o.payloadBytes, 0x61), BENCH_MASK_KEY);
  const { socket, rest } = await rawConnect(o.port);
  const maxSamples = o.maxSamples ?? 2_000_000;
  const samples = new Float64Array(maxSamples);
  let n = 0;
  let recording = false;
  let stopped = false;
  let sentAt = 0n;
  let failure: Error | null = null;
  const counter = new FrameCounter();
  const send = (): void => {
    sentAt = process.hrtime.bigint();
    socket.write(frame);
  };
  const onData = (chunk: Buffer): void => {
    if (counter.push(chunk) === 0) return;
    const rtt = Number(process.hrtime.bigint() - sentAt) / 1000;
    if (recording && n < maxSamples) samples[n++] = rtt;
    if (!stopped && n < maxSamples) send();
  };
  socket.on('data', onData);
  socket.on('error', (err) => (failure ??= err));
  try {
    if (rest.length) counter.push(rest);
    send();
    await sleep(o.warmupMs);
    recording = true;
    await sleep(o.measureMs);
    recording = false;
    if (failure) throw failure;
    const kept = Array.from(samples.subarray(0, n));
    return { samples: n, p50Us: percentile(kept, 50), p99Us: percentile(kept, 99), maxUs: percentile(kept, 100) };
  } finally {
    stopped = true;
    await closeAll([socket]);
  }
}

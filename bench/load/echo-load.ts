/**
 * The pipelining echo generator: each connection keeps up to `window` masked frames in flight,
 * refills with one write of many prebuilt frames once half have come back, and counts replies by
 * walking frame headers in place. Per message it does a few integer operations; no parsing of
 * payloads, no allocation, no WebSocket library.
 */
import type { Socket } from 'node:net';
import { BENCH_MASK_KEY, FrameCounter, OPCODE_BINARY, OPCODE_TEXT, buildFrame, repeatFrame } from '../lib/frames';
import { closeAll, rawConnectMany } from './raw-connect';
import { measureWindow, type CpuProbe, type WindowResult } from './window';

export interface EchoLoadOptions {
  port: number;
  connections: number;
  payloadBytes: number;
  /** The payload to send instead of `payloadBytes` of 'a', and whether it goes as text (JSON
   *  scenarios); by default binary. */
  payload?: { data: Uint8Array; text: boolean };
  /** Messages in flight per connection; by default 64, fewer for big payloads (see defaultWindow). */
  window?: number;
  warmupMs: number;
  measureMs: number;
  serverCpu?: CpuProbe;
}

/** 64 in flight, but no more than ~16 MiB in flight over all connections, and at least 1. */
export function defaultWindow(payloadBytes: number, connections: number): number {
  const byBytes = Math.floor((16 * 1024 * 1024) / (Math.max(1, payloadBytes) * connections));
  return Math.max(1, Math.min(64, byBytes));
}

export interface EchoLoadResult extends WindowResult {
  window: number;
}

export async function runEchoLoad(o: EchoLoadOptions): Promise<EchoLoadResult> {
  const window = o.window ?? defaultWindow(o.payloadBytes, o.connections);
  const frame = o.payload
    ? buildFrame(o.payload.text ? OPCODE_TEXT : OPCODE_BINARY, o.payload.data, BENCH_MASK_KEY)
    : buildFrame(OPCODE_BINARY, Buffer.alloc(o.payloadBytes, 0x61), BENCH_MASK_KEY);
  const batch = repeatFrame(frame, window);
  const frameLen = frame.length;
  const refillAt = window - Math.max(1, window >> 1);
  const opened = await rawConnectMany(o.port, o.connections);
  const sockets: Socket[] = opened.map((c) => c.socket);
  const counters: FrameCounter[] = [];
  let stopped = false;
  let failure: Error | null = null;
  try {
    for (const { socket, rest } of opened) {
      const counter = new FrameCounter();
      counters.push(counter);
      let inFlight = 0;
      const refill = (): void => {
        const n = window - inFlight;
        inFlight = window;
        socket.write(n === window ? batch : batch.subarray(0, n * frameLen));
      };
      const onData = (chunk: Buffer): void => {
        inFlight -= counter.push(chunk);
        if (!stopped && inFlight <= refillAt) refill();
      };
      socket.on('data', onData);
      socket.on('error', (err) => (failure ??= err));
      socket.on('close', () => {
        if (!stopped) failure ??= new Error('server closed a connection during the run');
      });
      if (rest.length) onData(rest);
      refill();
    }
    const read = () => {
      let messages = 0;
      let bytes = 0;
      for (const c of counters) {
        messages += c.frames;
        bytes += c.payloadBytes;
      }
      return { messages, bytes };
    };
    const result = await measureWindow(read, o.warmupMs, o.measureMs, o.serverCpu);
    if (failure) throw failure;
    if (result.messages === 0) throw new Error(`no echoes during the ${o.measureMs} ms window`);
    return { ...result, window };
  } finally {
    stopped = true;
    await closeAll(sockets);
  }
}

/**
 * Broadcast fan-out: `subscribers` idle connections plus one publisher that sends small frames.
 * The server forwards each to every connection (the publisher included), so one message is
 * `subscribers + 1` deliveries. The publisher keeps at most `window` messages undelivered on
 * aggregate, so the server's send buffers stay bounded and the rate is the server's.
 */
import type { Socket } from 'node:net';
import { BENCH_MASK_KEY, FrameCounter, OPCODE_BINARY, buildFrame, repeatFrame } from '../lib/frames';
import { closeAll, rawConnect, rawConnectMany } from './raw-connect';
import { measureWindow, type CpuProbe, type WindowResult } from './window';

export interface BroadcastOptions {
  port: number;
  subscribers: number;
  payloadBytes: number;
  window: number;
  warmupMs: number;
  measureMs: number;
  serverCpu?: CpuProbe;
}

export async function runBroadcastLoad(o: BroadcastOptions): Promise<WindowResult> {
  const frame = buildFrame(OPCODE_BINARY, Buffer.alloc(o.payloadBytes, 0x62), BENCH_MASK_KEY);
  const batch = repeatFrame(frame, o.window);
  const subs = await rawConnectMany(o.port, o.subscribers, 100);
  const sockets: Socket[] = subs.map((s) => s.socket);
  let stopped = false;
  let failure: Error | null = null;
  try {
    const pub = await rawConnect(o.port);
    sockets.push(pub.socket);
    const receivers = sockets.length;
    let delivered = 0;
    let sent = 0;
    const maybeSend = (): void => {
      if (stopped) return;
      const undelivered = Math.ceil((sent * receivers - delivered) / receivers);
      if (undelivered > o.window >> 1) return;
      const n = o.window - undelivered;
      sent += n;
      pub.socket.write(n === o.window ? batch : batch.subarray(0, n * frame.length));
    };
    for (const { socket, rest } of [...subs, pub]) {
      const counter = new FrameCounter();
      const onData = (chunk: Buffer): void => {
        const got = counter.push(chunk);
        if (got) {
          delivered += got;
          maybeSend();
        }
      };
      socket.on('data', onData);
      socket.on('error', (err) => (failure ??= err));
      if (rest.length) onData(rest);
    }
    maybeSend();
    const result = await measureWindow(() => ({ messages: delivered, bytes: 0 }), o.warmupMs, o.measureMs, o.serverCpu);
    if (failure) throw failure;
    return result;
  } finally {
    stopped = true;
    await closeAll(sockets);
  }
}

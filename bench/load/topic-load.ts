/**
 * Topic fan-out: `groups` topics of `membersPerGroup` connections each (connected to
 * `pathOf(group)`), whose first member is the group's publisher. The server forwards what a
 * publisher sends to every member of its topic (the publisher included), so one message is
 * `membersPerGroup` deliveries. Each publisher keeps at most `window` messages undelivered over
 * its own group, so the server's buffers stay bounded and the rate is the server's.
 */
import type { Socket } from 'node:net';
import { BENCH_MASK_KEY, FrameCounter, OPCODE_BINARY, buildFrame, repeatFrame } from '../lib/frames';
import { closeAll, rawConnectMany, type Opened } from './raw-connect';
import { measureWindow, type CpuProbe, type WindowResult } from './window';

export interface TopicLoadOptions {
  port: number;
  groups: number;
  membersPerGroup: number;
  pathOf: (group: number) => string;
  payloadBytes: number;
  window: number;
  warmupMs: number;
  measureMs: number;
  serverCpu?: CpuProbe;
}

/** The connections of a topic load, kept open across measurements (see `measure`). */
export interface TopicLoad {
  measure(warmupMs: number, measureMs: number, serverCpu?: CpuProbe): Promise<WindowResult>;
  close(): Promise<void>;
}

interface Group {
  publisher: Socket;
  members: number;
  sent: number;
  delivered: number;
}

/** Opens every group's connections and starts publishing; `measure` counts deliveries. */
export async function openTopicLoad(o: Omit<TopicLoadOptions, 'warmupMs' | 'measureMs' | 'serverCpu'>): Promise<TopicLoad> {
  const frame = buildFrame(OPCODE_BINARY, Buffer.alloc(o.payloadBytes, 0x62), BENCH_MASK_KEY);
  const batch = repeatFrame(frame, o.window);
  const sockets: Socket[] = [];
  let stopped = false;
  let failure: Error | null = null;
  let delivered = 0;
  const opened: Opened[][] = [];
  try {
    // Groups open a few at a time, so about 100 handshakes are in flight, as in rawConnectMany.
    const atOnce = Math.max(1, Math.floor(100 / o.membersPerGroup));
    for (let g = 0; g < o.groups; g += atOnce) {
      const batch = Array.from({ length: Math.min(atOnce, o.groups - g) }, (_, i) => g + i);
      const settled = await Promise.allSettled(batch.map((group) => rawConnectMany(o.port, o.membersPerGroup, 100, o.pathOf(group))));
      for (const result of settled) {
        if (result.status === 'rejected') throw result.reason;
        opened.push(result.value);
        sockets.push(...result.value.map((m) => m.socket));
      }
    }
  } catch (err) {
    await closeAll(sockets);
    throw err;
  }
  const maybeSend = (group: Group): void => {
    if (stopped) return;
    const undelivered = Math.ceil((group.sent * group.members - group.delivered) / group.members);
    if (undelivered > o.window >> 1) return;
    const n = o.window - undelivered;
    group.sent += n;
    group.publisher.write(n === o.window ? batch : batch.subarray(0, n * frame.length));
  };
  const groups: Group[] = opened.map((members) => ({ publisher: members[0]!.socket, members: members.length, sent: 0, delivered: 0 }));
  opened.forEach((members, g) => {
    const group = groups[g]!;
    for (const { socket, rest } of members) {
      const counter = new FrameCounter();
      const onData = (chunk: Buffer): void => {
        const got = counter.push(chunk);
        if (got) {
          delivered += got;
          group.delivered += got;
          maybeSend(group);
        }
      };
      socket.on('data', onData);
      socket.on('error', (err) => (failure ??= err));
      if (rest.length) onData(rest);
    }
  });
  for (const group of groups) maybeSend(group);
  return {
    async measure(warmupMs, measureMs, serverCpu) {
      const result = await measureWindow(() => ({ messages: delivered, bytes: 0 }), warmupMs, measureMs, serverCpu);
      if (failure) throw failure;
      return result;
    },
    async close() {
      stopped = true;
      await closeAll(sockets, 10_000);
    },
  };
}

/** Opens, measures one window, closes. */
export async function runTopicLoad(o: TopicLoadOptions): Promise<WindowResult> {
  const load = await openTopicLoad(o);
  try {
    return await load.measure(o.warmupMs, o.measureMs, o.serverCpu);
  } finally {
    await load.close();
  }
}

/**
 * Handshakes per second: `concurrency` loops, each connecting, sending a prebuilt upgrade request,
 * waiting for the 101, sending a masked close frame and waiting for the connection to end.
 */
import * as net from 'node:net';
import { BENCH_MASK_KEY, buildCloseFrame } from '../lib/frames';
import { upgradeRequest } from './raw-connect';
import { sleep, type CpuProbe } from './window';

export interface HandshakeOptions {
  port: number;
  concurrency: number;
  warmupMs: number;
  measureMs: number;
  /** Upper bound on handshakes in one run, to stay far from ephemeral-port exhaustion. */
  maxHandshakes?: number;
  serverCpu?: CpuProbe;
}

export interface HandshakeResult {
  seconds: number;
  handshakes: number;
  errors: number;
  clientCpuPct: number;
  serverCpuPct: number;
}

const CLOSE = buildCloseFrame(BENCH_MASK_KEY);

function oneHandshake(port: number, request: Buffer): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1', noDelay: true });
    let upgraded = false;
    let seen = '';
    const timer = setTimeout(() => socket.destroy(), 5000);
    socket.on('data', (chunk: Buffer) => {
      if (upgraded) return;
      seen += chunk.toString('latin1');
      if (seen.indexOf('\r\n\r\n') < 0) return;
      upgraded = seen.startsWith('HTTP/1.1 101');
      if (upgraded && !socket.writableEnded) socket.write(CLOSE, () => undefined);
      else socket.destroy();
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(upgraded);
    });
    socket.write(request);
  });
}

export async function runHandshakeLoad(o: HandshakeOptions): Promise<HandshakeResult> {
  const request = upgradeRequest(o.port);
  const max = o.maxHandshakes ?? 20_000;
  let started = 0;
  let ok = 0;
  let errors = 0;
  let stopped = false;
  let lastDoneAt = 0n;
  const loop = async (): Promise<void> => {
    while (!stopped && started < max) {
      started++;
      if (await oneHandshake(o.port, request)) ok++;
      else errors++;
      lastDoneAt = process.hrtime.bigint();
    }
  };
  const loops = Array.from({ length: o.concurrency }, loop);
  await sleep(o.warmupMs);
  const s0 = o.serverCpu ? await o.serverCpu() : NaN;
  const a = ok;
  const e0 = errors;
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await sleep(o.measureMs);
  const b = ok;
  const c1 = process.cpuUsage(c0);
  const t1 = process.hrtime.bigint();
  const s1 = o.serverCpu ? await o.serverCpu() : NaN;
  // If the cap ended the loops early, the window really ended with the last handshake.
  const end = started >= max && lastDoneAt > t0 && lastDoneAt < t1 ? lastDoneAt : t1;
  const seconds = Number(end - t0) / 1e9;
  const e1 = errors;
  stopped = true;
  await Promise.all(loops);
  const wall = Number(t1 - t0) / 1e9;
  return {
    seconds,
    handshakes: b - a,
    errors: e1 - e0,
    clientCpuPct: ((c1.user + c1.system) / 1e6 / wall) * 100,
    serverCpuPct: ((s1 - s0) / 1e6 / wall) * 100,
  };
}

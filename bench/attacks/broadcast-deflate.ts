/**
 * Broadcast with permessage-deflate under load, memory measured (loopback only, bounded in time):
 * `npx tsx bench/attacks/broadcast-deflate.ts [--seconds 30] [--subscribers 200] [--stalled 20]
 * [--plain] [--src path/to/src]`. A publisher sends 64 KiB messages as fast as the server reads them; the
 * server broadcasts each to every subscriber, compressed (window 15, context takeover). Some
 * subscribers never read. The server runs in its own process (`--expose-gc`) and reports its RSS
 * before, at its peak and after every connection closed, its heap after GC, how subscribers were
 * closed, and the zlib queue. `--plain`: the subscribers do not offer compression. `--src` points at another checkout's src/ (to measure it too).
 */
import { spawn } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { MiB, SRC, arg, args, rawUpgrade } from './attack-lib';


if (args.includes('--server')) void server();
else void driver();

// ---- the server (child process) ----

async function server(): Promise<void> {
  const { WebSocketServer } = await import(path.join(SRC, 'index.ts'));
  const { zlibLimiter } = await import(path.join(SRC, 'transport', 'zlib-limiter.ts'));
  const gc = (globalThis as { gc?: () => void }).gc!;
  const s = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: true });
  const closes = new Map<string, number>();
  const subs = s.route({
    path: '/sub',
    handle: (conn: any) => {
      conn.closed$.subscribe((c: { code: number }) => closes.set(String(c.code), (closes.get(String(c.code)) ?? 0) + 1));
    },
  });
  s.route({
    path: '/pub',
    handle: (conn: any) => {
      conn.messages$.subscribe((m: { type: string; data: Uint8Array }) => {
        if (m.type === 'binary') subs.broadcast(m.data);
      });
    },
  });
  const { port } = await s.listen();
  let peakRss = 0;
  const sample = () => (peakRss = Math.max(peakRss, process.memoryUsage().rss));
  setInterval(sample, 20).unref();
  const mb = (n: number) => Math.round(n / MiB);
  const stats = () => {
    const m = process.memoryUsage();
    return { rssMb: mb(m.rss), heapMb: mb(m.heapUsed), externalMb: mb(m.external), peakRssMb: mb(peakRss), open: s.connections.size, zlibQueued: zlibLimiter.queued, closes: Object.fromEntries(closes) };
  };
  console.log(`port ${port}`);
  readline.createInterface({ input: process.stdin }).on('line', (line) => {
    if (line === 'mark') {
      gc();
      gc();
      peakRss = process.memoryUsage().rss;
      console.log(`stats ${JSON.stringify(stats())}`);
    } else if (line === 'stats') {
      sample();
      console.log(`stats ${JSON.stringify(stats())}`);
    } else if (line === 'gc') {
      gc();
      gc();
      console.log(`stats ${JSON.stringify(stats())}`);
    } else if (line === 'exit') {
      void s.close({ timeoutMs: 100 }).then(() => process.exit(0));
    }
  });
}

// ---- the driver (this process): subscribers and the publisher, raw sockets ----

function upgrade(port: number, pathname: string, extensions?: string): Promise<net.Socket> {
  return rawUpgrade(port, { path: pathname, ...(extensions !== undefined ? { extensions } : {}), resume: false });
}

/** A masked binary frame (client to server) carrying `payload`. */
function clientFrame(payload: Buffer): Buffer {
  const header = Buffer.alloc(14);
  header[0] = 0x82;
  header[1] = 0x80 | 127;
  header.writeBigUInt64BE(BigInt(payload.length), 2);
  // Mask key 0: the payload goes as it is (valid, and no copy to mask).
  return Buffer.concat([header, payload]);
}

/** Compressible text, like JSON chat: words from a fixed list, drawn by an LCG. */
function words(size: number, seed: number): Buffer {
  const list = ['alpha ', 'beta ', 'gamma ', 'delta ', '{"user":', '"text":', '}\n', 'rxws ', 'deflate ', 'broadcast '];
  const out = Buffer.alloc(size, 0x20);
  let state = seed >>> 0;
  for (let at = 0; at < size - 16; ) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    at += out.write(list[state % list.length]!, at);
  }
  return out;
}

async function driver(): Promise<void> {
  const seconds = Number(arg('seconds', '30'));
  const subscribers = Number(arg('subscribers', '200'));
  const stalled = Number(arg('stalled', '20'));
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', __filename, '--server', '--src', SRC], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines: string[] = [];
  const waiters: Array<(line: string) => void> = [];
  readline.createInterface({ input: child.stdout! }).on('line', (line) => {
    const w = waiters.shift();
    if (w !== undefined) w(line);
    else lines.push(line);
  });
  const next = (): Promise<string> => (lines.length > 0 ? Promise.resolve(lines.shift()!) : new Promise((r) => waiters.push(r)));
  const ask = async (command: string) => {
    child.stdin!.write(`${command}\n`);
    return JSON.parse((await next()).slice(6)) as Record<string, unknown>;
  };
  const port = Number((await next()).slice(5));
  console.log(`src ${SRC}; ${subscribers} subscribers (${stalled} never read), 64 KiB messages, ${seconds} s`);

  const sockets: net.Socket[] = [];
  let received = 0;
  for (let i = 0; i < subscribers; i++) {
    const socket = await upgrade(port, '/sub', args.includes('--plain') ? undefined : 'permessage-deflate');
    sockets.push(socket);
    if (i < stalled) socket.pause();
    else socket.on('data', (chunk: Buffer) => (received += chunk.length));
  }
  const before = await ask('mark');
  console.log('before', before);

  const publisher = await upgrade(port, '/pub');
  sockets.push(publisher);
  publisher.on('data', () => undefined);
  const frames = Array.from({ length: 16 }, (_, i) => clientFrame(words(64 * 1024, i + 1)));
  let sent = 0;
  const until = Date.now() + seconds * 1000;
  const started = Date.now();
  let peakSeen = 0;
  await new Promise<void>((resolve) => {
    const report = setInterval(async () => {
      const s = await ask('stats');
      peakSeen = Math.max(peakSeen, s.rssMb as number);
      console.log(`${((Date.now() - started) / 1000).toFixed(0)} s: sent ${sent} messages, subscribers got ${Math.round(received / MiB)} MiB on the wire`, s);
    }, 5000);
    const pump = () => {
      if (Date.now() >= until || publisher.destroyed) {
        clearInterval(report);
        return resolve();
      }
      while (publisher.writableLength < 4 * MiB) publisher.write(frames[sent++ % frames.length]!);
      setImmediate(pump);
    };
    pump();
  });
  const peak = await ask('stats');
  console.log('end of load', peak);
  for (const socket of sockets) socket.destroy();
  await new Promise((r) => setTimeout(r, 3000));
  const after = await ask('gc');
  console.log('after every connection closed, and GC', after);
  console.log(
    `RSS before ${before.rssMb} MB, peak ${Math.max(peakSeen, after.peakRssMb as number)} MB, after ${after.rssMb} MB; heap after ${after.heapMb} MB; ` +
      `subscribers' closes ${JSON.stringify(peak.closes)}; messages published ${sent}`,
  );
  child.stdin!.write('exit\n');
  await new Promise((r) => child.once('exit', r));
}

/**
 * Many connections holding most of a large message (loopback only, bounded):
 * `npx tsx bench/attacks/unfinished-messages.ts [--connections 64] [--message-mib 32]
 * [--budget-mib 256] [--src path/to/src]`. Each connection sends all but the last KiB of one
 * message just under `maxMessageBytes` and waits; after 5 s each sends the rest. The server runs
 * in its own process (`--expose-gc`) and reports its RSS before, at its peak while the messages
 * are unfinished and after they all completed, and the messages it received intact. `--budget-mib`
 * sets `maxBufferedMessageBytes` (left out with `--src` pointing at a tree without it: pass 0).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as net from 'node:net';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { MiB, SRC, arg, args, rawUpgrade } from './attack-lib';


if (args.includes('--server')) void server();
else void driver();

async function server(): Promise<void> {
  const { WebSocketServer } = await import(path.join(SRC, 'index.ts'));
  const gc = (globalThis as { gc?: () => void }).gc!;
  const messageBytes = Number(arg('message-mib', '32')) * MiB;
  const budget = Number(arg('budget-mib', '256'));
  const s = new WebSocketServer({ port: 0, host: '127.0.0.1', maxMessageBytes: messageBytes, ...(budget > 0 ? { maxBufferedMessageBytes: budget * MiB } : {}) });
  const hashes: string[] = [];
  s.route({
    path: '/',
    handle: (conn: any) => {
      conn.messages$.subscribe((m: { type: string; data: Uint8Array }) => {
        if (m.type === 'binary') hashes.push(createHash('sha256').update(m.data).digest('hex'));
      });
    },
  });
  const { port } = await s.listen();
  let peak = 0;
  setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10).unref();
  const stats = () => ({ rssMb: Math.round(process.memoryUsage().rss / MiB), peakRssMb: Math.round(peak / MiB), heapMb: Math.round(process.memoryUsage().heapUsed / MiB), held: s.bufferedMessageBytes === undefined ? 'n/a' : Math.round(s.bufferedMessageBytes / MiB), peakHeld: s.readBudget === undefined ? 'n/a' : Math.round(s.readBudget.peakBytes / MiB), received: hashes.length });
  console.log(`port ${port}`);
  readline.createInterface({ input: process.stdin }).on('line', (line) => {
    if (line === 'mark') {
      gc();
      peak = process.memoryUsage().rss;
    }
    if (line === 'gc') gc();
    if (line === 'hashes') console.log(`hashes ${JSON.stringify(hashes)}`);
    else if (line === 'exit') void s.close({ timeoutMs: 100 }).then(() => process.exit(0));
    else console.log(`stats ${JSON.stringify(stats())}`);
  });
}

function upgrade(port: number): Promise<net.Socket> {
  return rawUpgrade(port);
}

async function driver(): Promise<void> {
  const connections = Number(arg('connections', '64'));
  const size = Number(arg('message-mib', '32')) * MiB - 64 * 1024;
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', __filename, '--server', ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
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
    return JSON.parse((await next()).slice(6));
  };
  const port = Number((await next()).slice(5));
  console.log(`src ${SRC}; ${connections} connections, messages of ${(size / MiB).toFixed(2)} MiB, budget ${arg('budget-mib', '256')} MiB`);
  const sockets: net.Socket[] = [];
  for (let i = 0; i < connections; i++) sockets.push(await upgrade(port));
  const before = await ask('mark');
  console.log('before', before);
  // One payload per connection (its first 4 bytes differ), sent unmasked-in-effect (key 0).
  const body = Buffer.alloc(size, 0x61);
  const expected: string[] = [];
  const tails: Buffer[] = [];
  for (let i = 0; i < connections; i++) {
    const header = Buffer.alloc(14 + 4);
    header[0] = 0x82;
    header[1] = 0x80 | 127;
    header.writeBigUInt64BE(BigInt(size), 2);
    header.writeUInt32BE(i, 14);
    expected.push(createHash('sha256').update(header.subarray(14)).update(body.subarray(4)).digest('hex'));
    const rest = body.subarray(4);
    sockets[i]!.write(header);
    sockets[i]!.write(rest.subarray(0, rest.length - 1024));
    tails.push(rest.subarray(rest.length - 1024));
  }
  for (let t = 1; t <= 5; t++) {
    await new Promise((r) => setTimeout(r, 1000));
    console.log(`${t} s, unfinished`, await ask('stats'));
  }
  sockets.forEach((s, i) => s.write(tails[i]!));
  const started = Date.now();
  for (;;) {
    const s = await ask('stats');
    if (s.received === connections || Date.now() - started > 120_000) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  console.log(`all sent after ${((Date.now() - started) / 1000).toFixed(1)} s`, await ask('stats'));
  child.stdin!.write('hashes\n');
  const got = JSON.parse((await next()).slice(7)) as string[];
  const intact = expected.filter((h) => got.includes(h)).length;
  for (const s of sockets) s.destroy();
  await new Promise((r) => setTimeout(r, 500));
  child.stdin!.write('gc\n');
  const after = await ask('stats');
  console.log(`RSS before ${before.rssMb} MB, peak ${after.peakRssMb} MB, after ${after.rssMb} MB (heap ${after.heapMb} MB); messages intact ${intact}/${connections}`);
  child.stdin!.write('exit\n');
  await new Promise((r) => child.once('exit', r));
}

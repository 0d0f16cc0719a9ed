/**
 * Decompression bombs against an unrelated client (loopback only, bounded in time):
 * `npx tsx bench/attacks/deflate-bombs.ts [--seconds 20] [--attackers 50] [--src path/to/src]`.
 * Each attacker sends a 1 MB compressed message that inflates past `maxMessageBytes` (32 MiB,
 * so the server inflates 32 MiB and closes with 1009), reconnects and sends another. A victim on
 * the same server sends a small compressed message every 100 ms and waits for its compressed
 * echo. Prints the victim's round trip without the attack and under it. The server runs in its
 * own process; `--src` points at another checkout's src/ (to measure it too).
 */
import { spawn } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { constants, deflateRawSync } from 'node:zlib';
import { SRC, arg, args, rawUpgrade } from './attack-lib';


if (args.includes('--server')) void server();
else void driver();

async function server(): Promise<void> {
  const { WebSocketServer } = await import(path.join(SRC, 'index.ts'));
  const s = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: { thresholdBytes: 0 } });
  let bombs = 0;
  s.route({
    path: '/',
    handle: (conn: any) => {
      conn.messages$.subscribe((m: { type: string; data: string; code?: number }) => {
        if (m.type === 'text') conn.sink.next(m.data);
        else if (m.type === 'close' && m.code === 1009) bombs++;
      });
    },
  });
  const { port } = await s.listen();
  console.log(`port ${port}`);
  readline.createInterface({ input: process.stdin }).on('line', (line) => {
    if (line === 'bombs') console.log(`bombs ${bombs}`);
    if (line === 'exit') void s.close({ timeoutMs: 100 }).then(() => process.exit(0));
  });
}

function upgrade(port: number): Promise<net.Socket> {
  return rawUpgrade(port, { extensions: 'permessage-deflate' });
}

/** About 1 MB of DEFLATE data that inflates to 1 GiB of zeros (full-flush segments repeated). */
function bombFrame(): Buffer {
  const segment = deflateRawSync(Buffer.alloc(64 * 1024 * 1024), { finishFlush: constants.Z_FULL_FLUSH });
  const data = Buffer.concat(Array.from({ length: 16 }, () => segment));
  const payload = data.subarray(0, data.length - 4); // RFC 7692 §7.2.1: the trailer removed
  const header = Buffer.alloc(14);
  header[0] = 0xc2; // FIN, RSV1, binary
  header[1] = 0x80 | 127;
  header.writeBigUInt64BE(BigInt(payload.length), 2); // mask key 0: the payload as it is
  return Buffer.concat([header, payload]);
}

function summary(ms: number[]): string {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(1);
  return `n=${sorted.length} median ${at(0.5)} ms, p90 ${at(0.9)} ms, max ${sorted[sorted.length - 1]!.toFixed(1)} ms`;
}

async function driver(): Promise<void> {
  const seconds = Number(arg('seconds', '20'));
  const attackers = Number(arg('attackers', '50'));
  const { openConnection } = await import(path.join(SRC, 'index.ts'));
  const child = spawn(process.execPath, ['--import', 'tsx', __filename, '--server', '--src', SRC], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines: string[] = [];
  const waiters: Array<(line: string) => void> = [];
  readline.createInterface({ input: child.stdout! }).on('line', (line) => {
    const w = waiters.shift();
    if (w !== undefined) w(line);
    else lines.push(line);
  });
  const next = (): Promise<string> => (lines.length > 0 ? Promise.resolve(lines.shift()!) : new Promise((r) => waiters.push(r)));
  const port = Number((await next()).slice(5));
  const bomb = bombFrame();
  console.log(`src ${SRC}; ${attackers} attackers, bombs of ${(bomb.length / 1e6).toFixed(2)} MB, ${seconds} s`);

  const victim = await openConnection(`ws://127.0.0.1:${port}/`, { perMessageDeflate: { thresholdBytes: 0 } });
  const text = 'victim says hello, '.repeat(20);
  const roundTrips = async (ms: number): Promise<number[]> => {
    const out: number[] = [];
    const until = Date.now() + ms;
    while (Date.now() < until) {
      const started = performance.now();
      const echoed = victim.waitForMessage('text', { timeoutMs: 60_000 });
      victim.sink.next(text);
      await echoed;
      out.push(performance.now() - started);
      await new Promise((r) => setTimeout(r, 100));
    }
    return out;
  };
  console.log(`victim without the attack: ${summary(await roundTrips(3000))}`);

  let running = true;
  let sent = 0;
  const attack = async (): Promise<void> => {
    while (running) {
      const socket = await upgrade(port).catch(() => undefined);
      if (socket === undefined) continue;
      socket.write(bomb);
      sent++;
      await new Promise((r) => socket.once('close', r));
    }
  };
  const attacks = Array.from({ length: attackers }, () => attack());
  await new Promise((r) => setTimeout(r, 2000)); // the attack gets going
  const under = await roundTrips(seconds * 1000);
  running = false;
  console.log(`victim under the attack: ${summary(under)}`);
  child.stdin!.write('bombs\n');
  console.log(`bombs sent ${sent}, inflated to the limit and refused (1009) ${(await next()).slice(6)}`);
  victim.terminate();
  child.stdin!.write('exit\n');
  await new Promise((r) => child.once('exit', r));
  await Promise.race([Promise.all(attacks), new Promise((r) => setTimeout(r, 2000))]);
  process.exit(0);
}

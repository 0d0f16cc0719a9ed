/**
 * Parse throughput of a server-role ProtocolConnection: masked client frames, many per chunk.
 *
 *   npx tsc -p tsconfig.json --outDir .tmp/pbench && node .tmp/pbench/bench/parser-throughput.js
 *   (.tmp/ is git-ignored and inside the repo, so `ws` resolves for the comparison; env:
 *   BENCH_SECONDS=2, BENCH_ONLY=<substring of a case name>, BENCH_WS=0 to skip ws)
 *   (or: npx tsx bench/parser-throughput.ts)
 *
 * Each chunk is refreshed from a template before it is fed (the core unmasks in place), so the
 * figures include one memcpy of the input; the copy alone is timed and shown for reference.
 * `ws` (a devDependency) is run on the same bytes as a point of comparison when available.
 */
import { encodeFrame } from '../src/protocol/frame-serializer';
import { fixedMaskSource } from '../src/protocol/mask';
import { ProtocolConnection } from '../src/protocol/protocol-connection';
import type { ProtocolEvents, TextCodec } from '../src/protocol/protocol-types';

const mask = fixedMaskSource([0x12, 0x34, 0x56, 0x78]);

/** What the transport will pass on Node: Buffer-based UTF-8 (faster than TextDecoder on short strings). */
const bufferCodec: TextCodec = {
  byteLength: (t) => Buffer.byteLength(t, 'utf8'),
  encodeInto: (t, target, offset) =>
    Buffer.from(target.buffer, target.byteOffset, target.byteLength).write(t, offset, 'utf8'),
  decode: (b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8'),
};

interface Case {
  name: string;
  opcode: 1 | 2;
  payloadBytes: number;
  chunkBytes: number;
  codec?: TextCodec;
}

const cases: Case[] = [
  { name: '32 B text   (TextDecoder codec)', opcode: 1, payloadBytes: 32, chunkBytes: 64 * 1024 },
  { name: '32 B text   (Buffer codec)     ', opcode: 1, payloadBytes: 32, chunkBytes: 64 * 1024, codec: bufferCodec },
  { name: '32 B binary                    ', opcode: 2, payloadBytes: 32, chunkBytes: 64 * 1024 },
  { name: '64 KiB text (TextDecoder codec)', opcode: 1, payloadBytes: 65536, chunkBytes: 1024 * 1024 },
  { name: '64 KiB text (Buffer codec)     ', opcode: 1, payloadBytes: 65536, chunkBytes: 1024 * 1024, codec: bufferCodec },
  { name: '64 KiB binary                  ', opcode: 2, payloadBytes: 65536, chunkBytes: 1024 * 1024 },
];

function buildChunk(c: Case): { template: Uint8Array; frames: number } {
  const payload = new Uint8Array(c.payloadBytes);
  for (let i = 0; i < payload.length; i++) payload[i] = 0x61 + (i % 26); // ASCII text
  const frame = encodeFrame(c.opcode, payload, { mask });
  const frames = Math.max(1, Math.floor(c.chunkBytes / frame.length));
  const template = new Uint8Array(frames * frame.length);
  for (let i = 0; i < frames; i++) template.set(frame, i * frame.length);
  return { template, frames };
}

function run(c: Case, seconds: number): void {
  const { template, frames } = buildChunk(c);
  let messages = 0;
  const events: ProtocolEvents = {
    write: () => undefined,
    onText: () => void messages++,
    onBinary: () => void messages++,
    onPing: () => undefined,
    onPong: () => undefined,
    onCloseFrame: () => undefined,
    armCloseTimer: () => undefined,
    endTransport: () => undefined,
    onProtocolError: (e) => {
      throw e;
    },
    onClosed: () => undefined,
  };
  const conn = new ProtocolConnection(
    { role: 'server', maxMessageBytes: 1 << 20, maxFragments: 1024, ...(c.codec ? { textCodec: c.codec } : {}) },
    events,
  );
  const work = new Uint8Array(template.length);
  // warm up
  for (let i = 0; i < 200; i++) {
    work.set(template);
    conn.receive(work);
  }
  const copyStart = process.hrtime.bigint();
  for (let i = 0; i < 2000; i++) work.set(template);
  const copyNsPerChunk = Number(process.hrtime.bigint() - copyStart) / 2000;

  messages = 0;
  let chunks = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(Math.round(seconds * 1e9));
  let now = start;
  while (now < deadline) {
    for (let i = 0; i < 20; i++) {
      work.set(template);
      conn.receive(work);
    }
    chunks += 20;
    now = process.hrtime.bigint();
  }
  const s = Number(now - start) / 1e9;
  if (messages !== chunks * frames) throw new Error('lost messages');
  const bytes = chunks * template.length;
  const mbps = bytes / s / 1e6;
  const fps = (chunks * frames) / s;
  const copyShare = (copyNsPerChunk * chunks) / 1e9 / s;
  console.log(
    `${c.name}  ${mbps.toFixed(0).padStart(6)} MB/s  ${Math.round(fps).toLocaleString('en').padStart(10)} frames/s  ` +
      `(${frames} frames/chunk of ${template.length} B; memcpy share ${(copyShare * 100).toFixed(1)}%)`,
  );
}

async function runWs(c: Case, seconds: number): Promise<void> {
  let Receiver: new (opts: object) => NodeJS.WritableStream & { on(ev: string, f: (...a: unknown[]) => void): void };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    Receiver = require('ws').Receiver;
  } catch {
    return;
  }
  const { template, frames } = buildChunk(c);
  const r = new Receiver({ isServer: true, maxPayload: 1 << 20, skipUTF8Validation: false });
  let messages = 0;
  r.on('message', () => void messages++);
  r.on('error', (e) => {
    throw e;
  });
  const feed = (): Promise<void> =>
    new Promise((resolve) => {
      (r as unknown as { write(b: Buffer, cb: () => void): void }).write(Buffer.from(template), resolve);
    });
  for (let i = 0; i < 50; i++) await feed();
  messages = 0;
  let chunks = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(Math.round(seconds * 1e9));
  let now = start;
  while (now < deadline) {
    await feed();
    chunks++;
    now = process.hrtime.bigint();
  }
  const s = Number(now - start) / 1e9;
  const mbps = (chunks * template.length) / s / 1e6;
  console.log(
    `ws Receiver ${c.name.trim().split(' (')[0]!.padEnd(19)} ${mbps.toFixed(0).padStart(6)} MB/s  ${Math.round(messages / s).toLocaleString('en').padStart(10)} frames/s`,
  );
  void frames;
}

async function main(): Promise<void> {
  const seconds = Number(process.env.BENCH_SECONDS ?? 2);
  console.log(`node ${process.version}, ${seconds}s per case`);
  const only = process.env.BENCH_ONLY; // a substring of case names, e.g. "32 B binary"
  const selected = cases.filter((c) => only === undefined || c.name.includes(only));
  for (const c of selected) run(c, seconds);
  if (process.env.BENCH_WS === '0') return;
  console.log('reference (same bytes, ws receiver, includes Buffer.from copy):');
  for (const c of selected.filter((c) => c.codec === undefined)) await runWs(c, seconds);
}

void main();

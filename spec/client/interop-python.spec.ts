// Interop: the rxws client against Python `websockets` (Debian package python3-websockets, run
// with the system interpreter). CI installs it (.ci/run); a missing module FAILS this suite with
// instructions rather than skipping it.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { connect } from '../../src/client/connect';
import type { ClientConnection } from '../../src/client/client-connection';
import { bytesOf, eventually, subscribeTo, textOf } from './connect-helpers';

const PYTHON = '/usr/bin/python3';
const SCRIPT = path.join(__dirname, '..', 'interop', 'peers', 'python-echo-server.py');
const SIZES = [0, 125, 126, 65535, 65536, 1024 * 1024];

let peer: ChildProcessWithoutNullStreams | undefined;
let url = '';
const lines: string[] = [];

beforeAll(async () => {
  const check = spawnSync(PYTHON, ['-c', 'import websockets; print(websockets.__version__)'], { encoding: 'utf8' });
  if (check.status !== 0) {
    throw new Error(
      `python websockets is not available to ${PYTHON} (${(check.stderr || String(check.error)).trim().split('\n').pop()}). ` +
        'Install it with: apt-get install -y python3-websockets',
    );
  }
  peer = spawn(PYTHON, [SCRIPT, 'chat.v1', 'chat.v2'], { stdio: ['pipe', 'pipe', 'pipe'] });
  peer.stderr.resume();
  const reader = readline.createInterface({ input: peer.stdout });
  const port = await new Promise<number>((resolve, reject) => {
    peer!.once('exit', (code) => reject(new Error(`the python peer exited early with ${code}`)));
    reader.on('line', (line) => {
      lines.push(line);
      const match = /^port (\d+)$/.exec(line);
      if (match) resolve(Number(match[1]));
    });
  });
  url = `ws://127.0.0.1:${port}/`;
}, 20_000);

afterAll(async () => {
  if (peer === undefined || peer.exitCode !== null) return;
  const exited = new Promise((resolve) => peer!.once('exit', resolve));
  peer.stdin.end(); // the script exits when stdin closes
  const timer = setTimeout(() => peer!.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
});

const open: ClientConnection[] = [];
afterEach(() => {
  for (const c of open.splice(0)) c.terminate();
});

async function connectToPeer(options?: Parameters<typeof connect>[1]): Promise<{ conn: ClientConnection; ended: Promise<unknown> }> {
  const s = subscribeTo(connect(url, options));
  const conn = await s.opened;
  open.push(conn);
  return { conn, ended: s.ended };
}

describe('interop: rxws client ↔ Python websockets server', () => {
  it.each(SIZES)('RFC 6455 §5.2: text and binary of %i bytes echo intact', async (size) => {
    const { conn } = await connectToPeer();
    const text = textOf(size);
    conn.sink.next(text);
    expect((await conn.waitForMessage('text', { timeoutMs: 10_000 })).data === text).toBe(true);
    const bytes = bytesOf(size);
    conn.sink.next(bytes);
    const echoed = await conn.waitForMessage('binary', { timeoutMs: 10_000 });
    expect(Buffer.compare(Buffer.from(echoed.data), bytes)).toBe(0);
    expect((await conn.close(1000)).code).toBe(1000);
  }, 30_000);

  it('RFC 6455 §4.1 item 10: the server picks the subprotocol we offered', async () => {
    const { conn } = await connectToPeer({ protocols: ['chat.v2'] });
    expect(conn.protocol).toBe('chat.v2');
    const none = await connectToPeer({ protocols: ['other'] });
    expect(none.conn.protocol).toBeUndefined();
  });

  it('RFC 6455 §7.4: our close code and reason reach the server', async () => {
    const { conn, ended } = await connectToPeer();
    const close = await conn.close(4001, 'client bye');
    expect(close).toMatchObject({ code: 4001, wasClean: true });
    await ended;
    await eventually(() => lines.includes('closed 4001 client bye'));
  });

  it("RFC 6455 §7.4: the server's close code and reason reach us, and connect() completes", async () => {
    const { conn, ended } = await connectToPeer();
    conn.sink.next('close:4002:server bye');
    const close = await conn.waitForMessage('close', { timeoutMs: 5000 });
    expect(close).toMatchObject({ code: 4002, reason: 'server bye', wasClean: true });
    expect(await ended).toEqual({ completed: true });
  });

  it('RFC 6455 §5.5.2: the server answers our ping', async () => {
    const { conn } = await connectToPeer();
    const { data, rttMs } = await conn.ping('py?', { timeoutMs: 2000 });
    expect(Buffer.from(data).toString()).toBe('py?');
    expect(rttMs).toBeGreaterThanOrEqual(0);
    await conn.close();
  });
});

// permessage-deflate interop with real peers, compression on at both ends: `ws` (both
// directions), Python `websockets` (both directions; it compresses by default) and Chromium
// (offers it by default; a page from a local http server echoes through rxws). Python and
// Chromium are Debian packages (python3-websockets, chromium); playwright-core drives Chromium.
// A missing peer FAILS this suite with instructions rather than skipping it.
import { execFile, spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as http from 'node:http';
import { join } from 'node:path';
import * as readline from 'node:readline';
import { WebSocket, WebSocketServer as WsServer } from 'ws';
import { bytesWrittenBy, closedAfterEachTest, echoServer, expectEchoOfEverySize, rxwsClient, wordsOf, type EchoServer } from './deflate-helpers';
import { launchBrowser } from '../helpers/browser';

const SIZES = [0, 1, 125, 1024, 5000, 70_000, 1024 * 1024];
const PYTHON = '/usr/bin/python3';
const PEER = join(__dirname, '..', 'interop', 'peers', 'python-deflate-peer.py');

const { servers, clients } = closedAfterEachTest();

async function rxwsEcho(options: object): Promise<EchoServer> {
  const s = await echoServer(options);
  servers.push(s);
  return s;
}

describe('interop: ws client → rxws server', () => {
  it.each<[string, object]>([
    ['perMessageDeflate: true', {}],
    ['threshold 0, no context takeover, window 10', { threshold: 0, serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: 10, clientMaxWindowBits: 10 }],
  ])('ws (%s) echoes text and binary of 0 B-1 MiB through rxws, compressed', async (_, wsOptions) => {
    const s = await rxwsEcho({ thresholdBytes: 0 });
    const ws = new WebSocket(s.url, { perMessageDeflate: Object.keys(wsOptions).length === 0 ? true : wsOptions });
    ws.on('error', () => undefined);
    await new Promise((resolve) => ws.once('open', resolve));
    try {
      expect(ws.extensions).toMatch(/^permessage-deflate/);
      expect(s.connections[0]!.perMessageDeflate).toBeDefined();
      for (const size of SIZES) {
        for (const message of [wordsOf(size, size).toString('utf8'), wordsOf(size, size + 1)]) {
          const echoed = new Promise<{ data: Buffer; binary: boolean }>((resolve) => ws.once('message', (data: Buffer, binary: boolean) => resolve({ data, binary })));
          ws.send(message);
          const got = await echoed;
          expect(got.binary).toBe(typeof message !== 'string');
          expect(got.data.equals(Buffer.from(message))).toBe(true);
        }
      }
      // rxws really compressed on the way back: far fewer bytes than the 2 MiB of payload.
      expect(bytesWrittenBy(s.connections[0]!)).toBeLessThan(1024 * 1024);
    } finally {
      ws.terminate();
    }
  }, 30_000);
});

describe('interop: rxws client → ws server', () => {
  it('echoes text and binary of 0 B-1 MiB with ws compressing (threshold 0) and rxws compressing', async () => {
    const wss = new WsServer({ port: 0, host: '127.0.0.1', perMessageDeflate: { threshold: 0 } });
    wss.on('connection', (ws) => ws.on('message', (data, binary) => ws.send(data, { binary })));
    await new Promise((resolve) => wss.once('listening', resolve));
    const { port } = wss.address() as { port: number };
    try {
      const c = await rxwsClient(`ws://127.0.0.1:${port}/`, { thresholdBytes: 0 });
      clients.push(c);
      expect(c.perMessageDeflate).toEqual({ serverNoContextTakeover: false, clientNoContextTakeover: false, serverMaxWindowBits: 15, clientMaxWindowBits: 15 });
      await expectEchoOfEverySize(c, SIZES);
      await c.send('x'.repeat(10_000), { fragmentBytes: 64 });
      expect((await c.waitForMessage('text', { timeoutMs: 10_000 })).data).toBe('x'.repeat(10_000));
      expect((await c.close(1000)).code).toBe(1000);
    } finally {
      for (const ws of wss.clients) ws.terminate();
      await new Promise((resolve) => wss.close(resolve));
    }
  }, 30_000);
});

function checkPython(): void {
  const check = spawnSync(PYTHON, ['-c', 'import websockets'], { encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`python websockets is not available to ${PYTHON}. Install it with: apt-get install -y python3-websockets`);
}

describe('interop: Python websockets (compression on by default)', () => {
  it('rxws client → Python server: echoes 0 B-1 MiB, compressed both ways', async () => {
    checkPython();
    const peer: ChildProcessWithoutNullStreams = spawn(PYTHON, [PEER, 'server'], { stdio: ['pipe', 'pipe', 'pipe'] });
    peer.stderr.resume();
    try {
      const port = await new Promise<number>((resolve, reject) => {
        peer.once('exit', (code) => reject(new Error(`the python peer exited early with ${code}`)));
        readline.createInterface({ input: peer.stdout }).on('line', (line) => {
          const match = /^port (\d+)$/.exec(line);
          if (match) resolve(Number(match[1]));
        });
      });
      const c = await rxwsClient(`ws://127.0.0.1:${port}/`, { thresholdBytes: 0 });
      clients.push(c);
      expect(c.perMessageDeflate).toBeDefined();
      expect(c.response?.headers['sec-websocket-extensions']).toMatch(/^permessage-deflate/);
      await expectEchoOfEverySize(c, SIZES);
      expect((await c.close(1000)).code).toBe(1000);
    } finally {
      const exited = new Promise((resolve) => peer.once('exit', resolve));
      peer.stdin.end();
      const timer = setTimeout(() => peer.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    }
  }, 30_000);

  it('Python client → rxws server: every echo matches, compressed both ways', async () => {
    checkPython();
    const s = await rxwsEcho({ thresholdBytes: 0 });
    const output = await new Promise<string>((resolve, reject) =>
      execFile(PYTHON, [PEER, 'client', s.url], { timeout: 20_000 }, (error, stdout) => (error ? reject(error) : resolve(stdout))),
    );
    const lines = output.trim().split('\n');
    expect(lines[0]).toMatch(/^extensions permessage-deflate/);
    expect(lines[1]).toBe('ok 14');
    expect(s.connections[0]!.perMessageDeflate).toBeDefined();
  }, 30_000);
});

describe('interop: Chromium (offers permessage-deflate by default)', () => {
  it('a page served over http echoes text and binary through rxws with compression on', async () => {
    const s = await rxwsEcho({ thresholdBytes: 0 });
    const page = `<!doctype html><script>
      window.run = async (url) => {
        const ws = new WebSocket(url);
        ws.binaryType = 'arraybuffer';
        await new Promise((resolve, reject) => { ws.onopen = resolve; ws.onerror = reject; });
        const sizes = [0, 1, 1024, 70000, 1048576];
        let ok = 0;
        for (const size of sizes) {
          const text = 'chromium permessage-deflate '.repeat(Math.ceil(size / 28) + 1).slice(0, size);
          const bytes = new TextEncoder().encode(text);
          for (const message of [text, bytes]) {
            const echoed = new Promise((resolve) => (ws.onmessage = (e) => resolve(e.data)));
            ws.send(message);
            const got = await echoed;
            const same = typeof message === 'string' ? got === message : new Uint8Array(got).every((b, i) => b === bytes[i]) && got.byteLength === bytes.length;
            if (same) ok++;
          }
        }
        const extensions = ws.extensions;
        ws.close(1000);
        return { ok, extensions };
      };
    </script>`;
    const web = http.createServer((_, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(page));
    await new Promise<void>((resolve) => web.listen(0, '127.0.0.1', resolve));
    // The shared launcher: Debian's Chromium with the flags this machine needs; fails, never skips.
    const { browser, dispose } = await launchBrowser();
    try {
      const tab = await browser.newPage();
      await tab.goto(`http://127.0.0.1:${(web.address() as { port: number }).port}/`);
      const result = await tab.evaluate<{ ok: number; extensions: string }>(`window.run(${JSON.stringify(s.url)})`);
      expect(result).toEqual({ ok: 10, extensions: expect.stringMatching(/^permessage-deflate/) });
      expect(s.connections[0]!.perMessageDeflate).toBeDefined();
      expect(s.connections[0]!.request.headers['sec-websocket-extensions']).toMatch(/permessage-deflate/);
    } finally {
      await dispose();
      await new Promise((resolve) => web.close(resolve));
    }
  }, 60_000);
});

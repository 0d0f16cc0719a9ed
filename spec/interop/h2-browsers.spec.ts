// Real browsers open WebSockets over HTTP/2 (RFC 8441) to an rxws server attached to a
// node:http2 secure server: the page comes from that server over h2, so the browser already has
// an h2 session to the origin and sends an extended CONNECT on it (Chromium uses h2 for a
// WebSocket only then). The server side checks that each connection really came as CONNECT.
import { accessSync, constants } from 'node:fs';
import * as http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser as PwBrowser } from 'playwright-core';
import puppeteer, { type Browser as PpBrowser } from 'puppeteer-core';
import { firstValueFrom } from 'rxjs';
import { WebSocketServer, ofData, type CloseMessage, type Connection } from '../../src';
import { CHROMIUM_ARGS, findChromium } from '../helpers/browser';
import { makeTestCert } from '../helpers/test-cert';

const FIREFOX = '/usr/bin/firefox-esr';

/** What a test asks of a page: run this function there with this argument. */
type Evaluate = <A, R>(fn: (arg: A) => Promise<R>, arg: A) => Promise<R>;

interface Peer {
  name: string;
  open(url: string): Promise<Evaluate>;
  dispose(): Promise<void>;
}

async function launchChromium(): Promise<Peer> {
  const executablePath = findChromium();
  const browser: PwBrowser = await chromium.launch({ executablePath, args: [...CHROMIUM_ARGS, '--ignore-certificate-errors'], headless: true, timeout: 30_000 });
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  return {
    name: 'Chromium',
    async open(url) {
      const page = await context.newPage();
      const response = await page.goto(url);
      // The page itself must have come over h2, or the WebSocket would not use it.
      expect(await response!.headerValue('x-http-version')).toBe('2.0');
      return (fn, arg) => page.evaluate(fn as never, arg) as never;
    },
    dispose: () => browser.close(),
  };
}

async function launchFirefox(): Promise<Peer> {
  try {
    accessSync(FIREFOX, constants.X_OK);
  } catch {
    throw new Error(`Firefox ESR is required by this test but ${FIREFOX} is not executable (apt-get install firefox-esr); it fails rather than skips`);
  }
  const browser: PpBrowser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX,
    protocol: 'webDriverBiDi',
    headless: true,
    acceptInsecureCerts: true,
    timeout: 60_000,
  });
  return {
    name: 'Firefox',
    async open(url) {
      const page = await browser.newPage();
      const response = await page.goto(url);
      expect(response?.headers()['x-http-version']).toBe('2.0');
      return (fn, arg) => page.evaluate(fn as never, arg) as never;
    },
    dispose: () => browser.close(),
  };
}

/** In the page: open a WebSocket, send `send`, collect replies until `replies` came, then close
 *  with `closeCode` (or wait for the server to close). Resolves with what the page saw. */
interface Plan {
  url: string;
  send: Array<string | number[]>;
  replies: number;
  closeCode?: number;
  closeReason?: string;
}
interface Seen {
  opened: boolean;
  extensions: string;
  protocol: string;
  replies: Array<string | number[]>;
  close: { code: number; reason: string; wasClean: boolean };
}

function runInPage(plan: Plan): Promise<Seen> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(plan.url, ['echo.v1']);
    ws.binaryType = 'arraybuffer';
    const replies: Array<string | number[]> = [];
    let opened = false;
    const timer = setTimeout(() => reject(new Error(`timed out: ${JSON.stringify(replies)}`)), 8000);
    ws.onopen = () => {
      opened = true;
      for (const item of plan.send) ws.send(typeof item === 'string' ? item : new Uint8Array(item));
    };
    ws.onmessage = (event) => {
      replies.push(typeof event.data === 'string' ? event.data : Array.from(new Uint8Array(event.data as ArrayBuffer)));
      if (replies.length === plan.replies && plan.closeCode !== undefined) ws.close(plan.closeCode, plan.closeReason);
    };
    ws.onclose = (event) => {
      clearTimeout(timer);
      resolve({ opened, extensions: ws.extensions, protocol: ws.protocol, replies, close: { code: event.code, reason: event.reason, wasClean: event.wasClean } });
    };
  });
}

const peers: Array<[string, () => Promise<Peer>]> = [
  ['Chromium', launchChromium],
  ['Firefox ESR', launchFirefox],
];

describe.each(peers)('WebSockets over HTTP/2 in %s', (_name, launch) => {
  let h2: http2.Http2SecureServer;
  let wss: WebSocketServer;
  let origin: string;
  let peer: Peer;
  let evaluate: Evaluate;
  const opened: Connection[] = [];

  beforeAll(async () => {
    const { key, cert } = makeTestCert();
    h2 = http2.createSecureServer({ key, cert, allowHTTP1: true }, (request, response) => {
      response.setHeader('x-http-version', request.httpVersion);
      response.setHeader('content-type', 'text/html; charset=utf-8');
      response.end('<!doctype html><title>rxws h2</title><p>websockets over http/2</p>');
    });
    wss = new WebSocketServer({ server: h2 });
    const echo = (conn: Connection) => conn.messages$.pipe(ofData()).subscribe((data) => conn.sink.next(data));
    wss.route({ path: '/echo', protocols: ['echo.v1'], handle: (conn) => void echo(conn) });
    wss.route({ path: '/deflate', protocols: ['echo.v1'], perMessageDeflate: true, handle: (conn) => void echo(conn) });
    // Closes from the server side once it has the first message, with a code of its own.
    wss.route({
      path: '/server-closes',
      protocols: ['echo.v1'],
      handle: (conn) => void conn.messages$.pipe(ofData()).subscribe(() => void conn.close(4002, 'server says bye')),
    });
    wss.connections$.subscribe((conn) => opened.push(conn));
    await new Promise<void>((resolve) => h2.listen(0, '127.0.0.1', resolve));
    origin = `https://127.0.0.1:${(h2.address() as AddressInfo).port}`;
    peer = await launch();
    evaluate = await peer.open(`${origin}/`);
  }, 90_000);

  afterAll(async () => {
    await peer?.dispose();
    await wss?.close({ timeoutMs: 500 });
    await new Promise<void>((resolve) => (h2 ? h2.close(() => resolve()) : resolve()));
  });

  const wsUrl = (path: string) => `${origin.replace('https:', 'wss:')}${path}`;
  const lastConnection = () => opened[opened.length - 1]!;

  it('echoes text and binary; the page closes with its own code', async () => {
    const before = opened.length;
    const seen = await evaluate(runInPage, { url: wsUrl('/echo'), send: ['hello over h2', [0, 1, 2, 255]], replies: 2, closeCode: 4001, closeReason: 'page says bye' });
    expect(seen.replies).toEqual(['hello over h2', [0, 1, 2, 255]]);
    expect(seen.protocol).toBe('echo.v1');
    // The server's reply echoes the code (RFC 6455 §5.5.1); the reason is the server's own.
    expect(seen.close).toMatchObject({ code: 4001, wasClean: true });
    expect(opened.length).toBe(before + 1);
    const conn = lastConnection();
    // The proof that the browser used RFC 8441 and not an HTTP/1.1 upgrade.
    expect(conn.request.method).toBe('CONNECT');
    expect(conn.request.secure).toBe(true);
    expect(conn.request.origin).toBe(origin);
    const closed: CloseMessage = await firstValueFrom(conn.closed$);
    expect(closed).toMatchObject({ code: 4001, reason: 'page says bye', wasClean: true });
  });

  it('the server closes with its code and the page sees it', async () => {
    const seen = await evaluate(runInPage, { url: wsUrl('/server-closes'), send: ['close please'], replies: 0 });
    expect(seen.opened).toBe(true);
    expect(seen.close).toEqual({ code: 4002, reason: 'server says bye', wasClean: true });
    const conn = lastConnection();
    expect(conn.request.method).toBe('CONNECT');
    expect(await firstValueFrom(conn.closed$)).toMatchObject({ code: 4002, wasClean: true });
  });

  it('negotiates permessage-deflate and echoes a compressible message', async () => {
    const big = 'compress me '.repeat(5000);
    const seen = await evaluate(runInPage, { url: wsUrl('/deflate'), send: [big, 'small'], replies: 2, closeCode: 1000 });
    expect(seen.extensions).toContain('permessage-deflate');
    expect(seen.replies).toEqual([big, 'small']);
    expect(seen.close.code).toBe(1000);
    const conn = lastConnection();
    expect(conn.request.method).toBe('CONNECT');
    expect(conn.perMessageDeflate).toBeDefined();
  });

  it('several WebSockets at once on the page session, each echoing its own messages', async () => {
    const before = opened.length;
    const seen = await evaluate(
      (url: string) =>
        Promise.all(
          [0, 1, 2, 3, 4].map(
            (i) =>
              new Promise<string>((resolve, reject) => {
                const ws = new WebSocket(url);
                ws.onopen = () => ws.send(`socket ${i}`);
                ws.onmessage = (event) => {
                  ws.close(1000);
                  resolve(String(event.data));
                };
                ws.onerror = () => reject(new Error(`socket ${i} failed`));
              }),
          ),
        ),
      wsUrl('/echo'),
    );
    expect(seen).toEqual(['socket 0', 'socket 1', 'socket 2', 'socket 3', 'socket 4']);
    const mine = opened.slice(before);
    expect(mine).toHaveLength(5);
    expect(mine.every((conn) => conn.request.method === 'CONNECT')).toBe(true);
    // One TCP connection carried them all: the same remote port for every stream.
    expect(new Set(mine.map((conn) => conn.request.remotePort)).size).toBe(1);
  });
});

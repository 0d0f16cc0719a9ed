// HTTP/2 peers for the RFC 8441 specs: a node:http2 server (secure with HTTP/1.1 allowed, or
// cleartext h2c; with or without a compatibility-layer 'request' handler) and raw extended
// CONNECT streams from Node's own http2 client, so tests see statuses, frames and resets.
import * as http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { clientFrame, FrameReader, type RawFrame } from './raw-peer';
import { makeTestCert, type TestCert } from './test-cert';

let cert: TestCert | undefined;
/** One certificate per test file: openssl takes a while. */
export function testCert(): TestCert {
  return (cert ??= makeTestCert());
}

export interface H2Server {
  server: http2.Http2SecureServer | http2.Http2Server;
  port: number;
  origin: string;
  secure: boolean;
  close(): Promise<void>;
}

/**
 * A node:http2 server on 127.0.0.1, port 0. `compat`: it has a 'request' handler (which turns on
 * Node's compatibility layer, the one that answers CONNECT with 405); otherwise streams only.
 */
export async function startH2Server(options: { secure?: boolean; compat?: boolean } = {}): Promise<H2Server> {
  const secure = options.secure ?? true;
  const onRequest = (request: http2.Http2ServerRequest, response: http2.Http2ServerResponse) => {
    response.setHeader('x-http-version', request.httpVersion);
    response.end('page');
  };
  const server = secure
    ? http2.createSecureServer({ ...testCert(), allowHTTP1: true })
    : http2.createServer();
  if (options.compat ?? true) server.on('request', onRequest);
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    secure,
    origin: `${secure ? 'https' : 'http'}://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const session of sessions) session.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A client session to the server (certificate not checked: it is the test's own). */
export async function h2Session(server: H2Server): Promise<{ session: http2.ClientHttp2Session; settings: http2.Settings }> {
  const session = http2.connect(server.origin, { rejectUnauthorized: false });
  session.on('error', () => undefined);
  const settings = await new Promise<http2.Settings>((resolve, reject) => {
    session.once('remoteSettings', resolve);
    session.once('error', reject);
  });
  return { session, settings };
}

/** One raw RFC 8441 stream: its response, frames read from it and what ended it. */
export interface RawStream {
  stream: http2.ClientHttp2Stream;
  status: number;
  headers: http2.IncomingHttpHeaders;
  /** The response body, for a refusal. */
  body(): Promise<string>;
  frames: RawFrame[];
  /** Resolves with the stream's RST code (0 for a clean close) when it closes. */
  closed: Promise<number>;
  /** Resolves once `count` frames have arrived. */
  frame(count: number): Promise<RawFrame[]>;
  /** Sends a masked client frame, as a browser does. */
  send(opcode: number, payload?: Uint8Array | string, options?: { mask?: boolean }): void;
}

/** Sends an extended CONNECT (or whatever `headers` say) and waits for the response head. */
export async function rawStream(session: http2.ClientHttp2Session, path: string, headers: http2.OutgoingHttpHeaders = {}): Promise<RawStream> {
  const stream = session.request({ ':method': 'CONNECT', ':protocol': 'websocket', ':path': path, 'sec-websocket-version': '13', ...headers }, { endStream: false });
  stream.on('error', () => undefined);
  const closed = new Promise<number>((resolve) => stream.once('close', () => resolve(stream.rstCode ?? 0)));
  const response = await new Promise<http2.IncomingHttpHeaders>((resolve, reject) => {
    stream.once('response', resolve);
    stream.once('close', () => reject(new Error(`stream closed without a response (rst ${stream.rstCode})`)));
  });
  const status = Number(response[':status']);
  const frames: RawFrame[] = [];
  const waiting: Array<() => void> = [];
  const chunks: Buffer[] = [];
  if (status === 200) {
    const reader = new FrameReader();
    stream.on('data', (chunk: Buffer) => {
      frames.push(...reader.push(chunk));
      for (const wake of waiting.splice(0)) wake();
    });
  } else {
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  }
  const ended = new Promise<void>((resolve) => stream.once('close', () => resolve()));
  return {
    stream,
    status,
    headers: response,
    frames,
    closed,
    body: async () => {
      await ended;
      return Buffer.concat(chunks).toString('utf8');
    },
    frame: (count) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`only ${frames.length} of ${count} frames`)), 5000);
        const check = () => {
          if (frames.length >= count) {
            clearTimeout(timer);
            resolve(frames.slice(0, count));
          } else waiting.push(check);
        };
        check();
      }),
    send: (opcode, payload = '', options = {}) => {
      stream.write(clientFrame(opcode, payload, options));
    },
  };
}

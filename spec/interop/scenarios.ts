// The interop table: ONE list of scenarios, run against every peer in both directions by
// spec/interop/interop.spec.ts. A scenario is a "session" every client peer can run (connect,
// send, receive, ping, close) plus what the result must be; a peer that cannot express a scenario
// says so here, with the reason, and the spec shows it as such instead of dropping it.
import { createHash } from 'node:crypto';

export const KiB = 1024;
export const MiB = 1024 * KiB;

/** What a client peer does in one connection. JSON, so the Python and browser peers take it too. */
export interface SessionSpec {
  /** Path and query on the interop server (see peers/interop-server.ts for the query options). */
  path: string;
  /** wss:// with the test certificate's CA. */
  secure?: boolean;
  protocols?: string[];
  /** Extra request headers. */
  headers?: Record<string, string>;
  /** A response header to report (lower-case name). */
  readHeader?: string;
  sends: Array<{ kind: 'text' | 'binary'; size: number; fragmentBytes?: number }>;
  /** How many messages to wait for (and report) before closing. */
  expect: number;
  /** Ping with this payload after the messages, and report the pong's payload. */
  ping?: string;
  /** Close with this code and reason (default 1000, ''); or wait for the server to close. */
  close?: { code: number; reason: string } | 'server';
}

export interface ReceivedSummary {
  type: 'text' | 'binary';
  length: number;
  sha256: string;
  /** The text itself when it is short (for scenario checks on small messages). */
  text?: string;
}

/** What a client peer reports (everything large is summarised by length and SHA-256). */
export interface SessionResult {
  protocol: string | null;
  header?: string | null;
  received: ReceivedSummary[];
  pong?: string;
  /** The close the client observed: the server's code and reason. */
  close: { code: number; reason: string };
}

/** What the interop server recorded about one connection (keyed by the `id` query parameter). */
export interface ServerRecord {
  protocol: string | null;
  /** The `x-client-hello` request header, if sent. */
  clientHello: string | undefined;
  received: ReceivedSummary[];
  /** The close the server observed (the client's code and reason when the client closed). */
  close: { code: number; reason: string } | undefined;
  /** The pong payload the server got for its `?ping=` ping. */
  pong: string | undefined;
}

// Deterministic payloads. Every peer (Python, browser) generates the same bytes from the size.
/** Binary payload: byte i is (i·31 + 7) mod 256. */
export function binaryPayload(size: number): Buffer {
  const out = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) out[i] = (i * 31 + 7) & 0xff;
  return out;
}

/** Text payload of exactly `size` UTF-8 bytes: 'abcdefghij€' (13 bytes) repeated, then 'x's. */
export function textPayload(size: number): string {
  const whole = 'abcdefghij€'.repeat(Math.floor(size / 13));
  return whole + 'x'.repeat(size - Buffer.byteLength(whole));
}

export function summarise(type: 'text' | 'binary', data: string | Uint8Array): ReceivedSummary {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const summary: ReceivedSummary = { type, length: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
  if (type === 'text' && bytes.length <= 256) summary.text = bytes.toString('utf8');
  return summary;
}

const expectedCache = new Map<string, ReceivedSummary>();
export function expectedSummary(kind: 'text' | 'binary', size: number): ReceivedSummary {
  const key = `${kind}:${size}`;
  let summary = expectedCache.get(key);
  if (summary === undefined) {
    summary = summarise(kind, kind === 'text' ? textPayload(size) : binaryPayload(size));
    expectedCache.set(key, summary);
  }
  return summary;
}

/** One row of the table: a session and the checks on what the client and the server saw. */
export interface Scenario {
  name: string;
  session: SessionSpec;
  check(result: SessionResult, server: ServerRecord | undefined): void;
  /** Per-scenario timeout (large payloads through slow peers). */
  timeoutMs?: number;
}

const SIZES = [0, 125, 64 * KiB, MiB, 16 * MiB];

function sizeName(size: number): string {
  return size >= MiB ? `${size / MiB} MiB` : size >= KiB ? `${size / KiB} KiB` : `${size} B`;
}

function echoCheck(kind: 'text' | 'binary', size: number) {
  return (result: SessionResult, server: ServerRecord | undefined) => {
    const expected = expectedSummary(kind, size);
    expect(result.received).toEqual([expected]);
    expect(server?.received).toEqual([expected]);
    expect(result.close).toEqual({ code: 1000, reason: '' });
    expect(server?.close).toEqual({ code: 1000, reason: '' });
  };
}

export const SCENARIOS: readonly Scenario[] = [
  ...(['text', 'binary'] as const).flatMap((kind) =>
    SIZES.map(
      (size): Scenario => ({
        name: `echo ${kind} ${sizeName(size)}`,
        session: { path: '/echo', sends: [{ kind, size }], expect: 1 },
        check: echoCheck(kind, size),
        timeoutMs: size >= 16 * MiB ? 60_000 : 20_000,
      }),
    ),
  ),
  {
    name: 'fragmented send by the client (text 1 MiB in 16 KiB frames, binary 64 KiB in 1000-byte frames)',
    session: {
      path: '/echo',
      sends: [
        { kind: 'text', size: MiB, fragmentBytes: 16 * KiB },
        { kind: 'binary', size: 64 * KiB, fragmentBytes: 1000 },
      ],
      expect: 2,
    },
    check: (result, server) => {
      const expected = [expectedSummary('text', MiB), expectedSummary('binary', 64 * KiB)];
      expect(result.received).toEqual(expected);
      expect(server?.received).toEqual(expected);
    },
  },
  {
    name: 'fragmented send by the server (echoed in 1000-byte frames)',
    session: { path: '/echo?frag=1000', sends: [{ kind: 'text', size: 64 * KiB }, { kind: 'binary', size: 64 * KiB }], expect: 2 },
    check: (result) => {
      expect(result.received).toEqual([expectedSummary('text', 64 * KiB), expectedSummary('binary', 64 * KiB)]);
    },
  },
  {
    name: 'ping from the client, pong from the server',
    session: { path: '/echo', sends: [], expect: 0, ping: 'are you there?' },
    check: (result) => expect(result.pong).toBe('are you there?'),
  },
  {
    name: 'ping from the server, pong from the client',
    session: { path: '/echo?ping=server%20ping', sends: [], expect: 1 },
    check: (result, server) => {
      expect(result.received.map((r) => r.text)).toEqual(['pong:server ping']);
      expect(server?.pong).toBe('server ping');
    },
  },
  {
    name: 'close with code and reason from the client',
    session: { path: '/echo', sends: [], expect: 0, close: { code: 4001, reason: 'client bye ✓' } },
    check: (result, server) => {
      expect(server?.close).toEqual({ code: 4001, reason: 'client bye ✓' });
      expect(result.close.code).toBe(4001); // RFC 6455 §5.5.1: the server echoes the code
    },
  },
  {
    name: 'close with code and reason from the server',
    session: { path: '/echo?close=4002&reason=server%20bye%20%E2%9C%93', sends: [], expect: 0, close: 'server' },
    check: (result, server) => {
      expect(result.close).toEqual({ code: 4002, reason: 'server bye ✓' });
      // RFC 6455 §5.5.1: the reply "typically" echoes the code; Autobahn answers 1000, and §7.1.5
      // makes the code the server reports the one in the close frame it received.
      expect([4002, 1000]).toContain(server?.close?.code);
    },
  },
  {
    name: 'subprotocol: the server picks the first offered one it speaks',
    session: { path: '/echo', protocols: ['x-unknown', 'chat.v2', 'chat.v1'], sends: [{ kind: 'text', size: 5 }], expect: 1 },
    check: (result, server) => {
      expect(result.protocol).toBe('chat.v2');
      expect(server?.protocol).toBe('chat.v2');
      expect(result.received).toEqual([expectedSummary('text', 5)]);
    },
  },
  {
    name: 'custom request header reaches the server',
    session: { path: '/echo', headers: { 'x-client-hello': 'hello from the client' }, sends: [], expect: 0 },
    check: (_result, server) => expect(server?.clientHello).toBe('hello from the client'),
  },
  {
    name: 'custom response header reaches the client',
    session: { path: '/echo', readHeader: 'x-server-hello', sends: [], expect: 0 },
    check: (result) => expect(result.header).toBe('hello from the server'),
  },
  {
    name: 'TLS (wss://): echo text and binary 1 MiB',
    session: { path: '/echo', secure: true, sends: [{ kind: 'text', size: MiB }, { kind: 'binary', size: MiB }], expect: 2 },
    check: (result, server) => {
      const expected = [expectedSummary('text', MiB), expectedSummary('binary', MiB)];
      expect(result.received).toEqual(expected);
      expect(server?.received).toEqual(expected);
      expect(result.close).toEqual({ code: 1000, reason: '' });
    },
  },
];

export type ScenarioName = string;

/** How a pairing treats a scenario when it does not simply run it. */
export type Exception = { unsupported: string } | { coveredBy: string };

export interface Pairing {
  client: string;
  server: string;
  /** Scenarios (by name prefix) this pairing does not run, and why. */
  exceptions?: Record<string, Exception>;
}

const BROWSER_NO_PING = 'the browser WebSocket API cannot send a ping (it does answer the server\'s)';
const BROWSER_NO_FRAGMENTS = 'the browser WebSocket API cannot choose how a message is fragmented';
const BROWSER_NO_HEADERS = 'the browser WebSocket API cannot set request headers';
const BROWSER_NO_RESPONSE = 'the browser WebSocket API does not expose response headers';
const PYTHON_SPEC = 'spec/client/interop-python.spec.ts';

/**
 * Who talks to whom. The server side of the first six rows is rxws; the client side of the last
 * three is rxws. Every scenario runs for every pairing unless an exception says otherwise.
 */
export const PAIRINGS: readonly Pairing[] = [
  { client: 'rxws', server: 'rxws' },
  { client: 'ws', server: 'rxws' },
  {
    client: 'undici',
    server: 'rxws',
    exceptions: { 'fragmented send by the client': { unsupported: 'undici implements the WHATWG WebSocket API, which cannot choose how a message is fragmented' } },
  },
  { client: 'python-websockets', server: 'rxws' },
  { client: 'autobahn', server: 'rxws' },
  {
    client: 'chromium',
    server: 'rxws',
    exceptions: {
      'fragmented send by the client': { unsupported: BROWSER_NO_FRAGMENTS },
      'ping from the client': { unsupported: BROWSER_NO_PING },
      'custom request header': { unsupported: BROWSER_NO_HEADERS },
      'custom response header': { unsupported: BROWSER_NO_RESPONSE },
    },
  },
  { client: 'rxws', server: 'ws' },
  {
    client: 'rxws',
    server: 'python-websockets',
    // The rxws client against Python websockets has its own spec (it predates this table); the
    // scenarios it covers are referenced, not repeated, and the rest run here.
    exceptions: {
      'echo text 0 B': { coveredBy: PYTHON_SPEC },
      'echo text 125 B': { coveredBy: PYTHON_SPEC },
      'echo text 64 KiB': { coveredBy: PYTHON_SPEC },
      'echo text 1 MiB': { coveredBy: PYTHON_SPEC },
      'echo binary 0 B': { coveredBy: PYTHON_SPEC },
      'echo binary 125 B': { coveredBy: PYTHON_SPEC },
      'echo binary 64 KiB': { coveredBy: PYTHON_SPEC },
      'echo binary 1 MiB': { coveredBy: PYTHON_SPEC },
      'ping from the client': { coveredBy: PYTHON_SPEC },
      'close with code and reason from the client': { coveredBy: PYTHON_SPEC },
      'close with code and reason from the server': { coveredBy: PYTHON_SPEC },
      'subprotocol': { coveredBy: PYTHON_SPEC },
    },
  },
];

/** The exception (if any) a pairing declares for a scenario. */
export function exceptionFor(pairing: Pairing, scenario: Scenario): Exception | undefined {
  for (const [prefix, exception] of Object.entries(pairing.exceptions ?? {})) {
    if (scenario.name === prefix || scenario.name.startsWith(`${prefix} `) || scenario.name.startsWith(`${prefix}:`) || scenario.name.startsWith(`${prefix},`)) return exception;
  }
  return undefined;
}

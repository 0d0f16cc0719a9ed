import { encodeFrame } from '../../src/protocol/frame-serializer';
import { fixedMaskSource } from '../../src/protocol/mask';
import { ProtocolConnection } from '../../src/protocol/protocol-connection';
import type { ProtocolEvents, ProtocolOptions, Role } from '../../src/protocol/protocol-types';

/** Test helpers shared by the protocol specs (not a spec itself). */

export const TEST_KEY = new Uint8Array([0x37, 0xfa, 0x21, 0x3d]);
export const testMask = fixedMaskSource(TEST_KEY);

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('hex');
}

export function fromHex(h: string): Uint8Array {
  return new Uint8Array(Buffer.from(h.replace(/\s+/g, ''), 'hex'));
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

/** A frame as the peer of `role` would send it: client frames masked with the test key. */
export function peerFrame(
  role: Role,
  opcode: number,
  payload: Uint8Array | string,
  opts: { fin?: boolean; rsvBits?: number } = {},
): Uint8Array {
  const bytes = typeof payload === 'string' ? utf8(payload) : payload;
  return encodeFrame(opcode, bytes, {
    fin: opts.fin ?? true,
    rsvBits: opts.rsvBits ?? 0,
    ...(role === 'server' ? { mask: testMask } : {}),
  });
}

export interface Recorder {
  events: ProtocolEvents;
  log: string[];
  /** Hooks a test may set to act re-entrantly. */
  hooks: Partial<Record<keyof ProtocolEvents, (...args: never[]) => void>>;
}

export function recorder(): Recorder {
  const log: string[] = [];
  const hooks: Recorder['hooks'] = {};
  const call = (name: keyof ProtocolEvents, args: unknown[]): void => {
    const hook = hooks[name] as ((...a: unknown[]) => void) | undefined;
    if (hook) hook(...args);
  };
  const events: ProtocolEvents = {
    write: (b) => {
      log.push(`write ${hex(b)}`);
      call('write', [b]);
    },
    onText: (t) => {
      log.push(`text ${JSON.stringify(t)}`);
      call('onText', [t]);
    },
    onBinary: (b) => {
      log.push(`binary ${hex(b)}`);
      call('onBinary', [b]);
    },
    onMessageStart: (binary) => {
      log.push(`streamStart ${binary ? 'binary' : 'text'}`);
      call('onMessageStart', [binary]);
    },
    onMessageChunk: (b) => {
      log.push(`streamChunk ${hex(b)}`);
      call('onMessageChunk', [b]);
    },
    onMessageEnd: () => {
      log.push('streamEnd');
      call('onMessageEnd', []);
    },
    onPing: (b) => {
      log.push(`ping ${hex(b)}`);
      call('onPing', [b]);
    },
    onPong: (b) => {
      log.push(`pong ${hex(b)}`);
      call('onPong', [b]);
    },
    onCloseFrame: (code, reason) => {
      log.push(`closeFrame ${code} ${JSON.stringify(reason)}`);
      call('onCloseFrame', [code, reason]);
    },
    armCloseTimer: () => {
      log.push('armCloseTimer');
      call('armCloseTimer', []);
    },
    endTransport: () => {
      log.push('endTransport');
      call('endTransport', []);
    },
    onProtocolError: (e) => {
      log.push(`protocolError ${e.closeCode} ${e.code}`);
      call('onProtocolError', [e]);
    },
    onClosed: (info) => {
      log.push(`closed ${info.code} ${JSON.stringify(info.reason)} ${info.wasClean}`);
      call('onClosed', [info]);
    },
  };
  return { events, log, hooks };
}

export function makeConnection(
  role: Role,
  extra: Partial<ProtocolOptions> = {},
): { conn: ProtocolConnection; rec: Recorder } {
  const rec = recorder();
  const conn = new ProtocolConnection(
    {
      role,
      maxMessageBytes: 1 << 20,
      maxFragments: 1000,
      ...(role === 'client' ? { maskSource: testMask } : {}),
      ...extra,
    },
    rec.events,
  );
  return { conn, rec };
}

/**
 * Runs `bytes` through a fresh connection, cut at `cuts` (ascending offsets), each chunk a fresh
 * copy (the core unmasks in place), then closes the transport. Returns the event log.
 */
export function runChunks(
  role: Role,
  bytes: Uint8Array,
  cuts: readonly number[],
  extra: Partial<ProtocolOptions> = {},
): string[] {
  const { conn, rec } = makeConnection(role, extra);
  feedChunks(conn, bytes, cuts);
  return rec.log;
}

/** Feeds `bytes` to `conn` cut at `cuts` (ascending offsets), each chunk a fresh copy (the core
 *  unmasks in place), then closes the transport. */
export function feedChunks(conn: ProtocolConnection, bytes: Uint8Array, cuts: readonly number[]): void {
  let prev = 0;
  for (const cut of [...cuts, bytes.length]) {
    conn.receive(bytes.slice(prev, cut));
    prev = cut;
  }
  conn.transportClosed();
}

export function runWhole(role: Role, bytes: Uint8Array, extra: Partial<ProtocolOptions> = {}): string[] {
  return runChunks(role, bytes, [], extra);
}

export function runByteByByte(role: Role, bytes: Uint8Array, extra: Partial<ProtocolOptions> = {}): string[] {
  const cuts: number[] = [];
  for (let i = 1; i < bytes.length; i++) cuts.push(i);
  return runChunks(role, bytes, cuts, extra);
}

/** RELIABILITY 8: the same events whole, byte by byte, and split at every single point. */
export function expectSplitInvariant(role: Role, bytes: Uint8Array, extra: Partial<ProtocolOptions> = {}): string[] {
  const whole = runWhole(role, bytes, extra);
  expect(runByteByByte(role, bytes, extra)).toEqual(whole);
  for (let i = 1; i < bytes.length; i++) {
    expect(runChunks(role, bytes, [i], extra)).toEqual(whole);
  }
  return whole;
}

/**
 * A masked, final frame built byte by byte (§5.2 header, §5.3 masking), independent of the code
 * under test: payloads long enough for the word and SIMD masking paths are checked against it.
 */
export function maskedFrameByHand(opcode: number, payload: Uint8Array, key: Uint8Array = TEST_KEY, fin = true): Uint8Array {
  const len = payload.length;
  const ext = len < 126 ? [] : len < 65536 ? [len >>> 8, len & 0xff] : [0, 0, 0, 0, (len >>> 24) & 0xff, (len >>> 16) & 0xff, (len >>> 8) & 0xff, len & 0xff];
  const head = [(fin ? 0x80 : 0) | opcode, 0x80 | (len < 126 ? len : len < 65536 ? 126 : 127), ...ext, key[0]!, key[1]!, key[2]!, key[3]!];
  const out = new Uint8Array(head.length + len);
  out.set(head);
  for (let i = 0; i < len; i++) out[head.length + i] = payload[i]! ^ key[i & 3]!;
  return out;
}

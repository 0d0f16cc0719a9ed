// The fuzzer's vocabulary and its reference model. A case is a list of "items" (a valid message,
// possibly fragmented with control frames between its fragments; a ping; a pong; or one kind of
// fault), optionally ended by a terminal item (a valid close, possibly in the middle of a
// fragmented message, or EOF, possibly in the middle of a frame). The model says what the rxws
// side must report: the messages before the first fault, exactly once and in order, and how the
// connection ends (healthy, or closed with which code).
import fc from 'fast-check';

export type Role = 'server' | 'client';

/** The limits the fuzzed endpoint runs with (small, so the limit faults are reachable). */
export const FUZZ_LIMITS = { maxMessageBytes: 2048, maxFragments: 8 } as const;

/** One frame as the peer writes it, valid or not. */
export interface RawFrameSpec {
  fin: boolean;
  rsv: number;
  opcode: number;
  payload: Uint8Array;
  /** Masked the wrong way for the peer's role (a client's frames must be masked, a server's not). */
  wrongMask?: boolean;
  /** Write this 64-bit length instead of the payload's (the payload is then not sent). */
  length64?: bigint;
}

export type Delivered = { type: 'text'; data: string } | { type: 'binary'; data: Uint8Array } | { type: 'pong'; data: Uint8Array };

export type Terminal = { kind: 'fault'; code: number } | { kind: 'close'; code: number; reason: string } | { kind: 'eof' };

export interface Item {
  label: string;
  frames: RawFrameSpec[];
  /** What the endpoint delivers for this item if it is reached (valid items only). */
  delivers: Delivered[];
  /** Pings in this item, in order (each must be answered by a pong while the connection is open). */
  pings: Uint8Array[];
  /** Set for an item that ends the connection. */
  terminal?: Terminal;
  /** EOF only: bytes of a frame to write before ending (a frame cut short). */
  cut?: number;
}

export interface Case {
  items: Item[];
  /** Split points for the byte stream (fractions of its length), to chunk the writes. */
  splits: number[];
}

export interface Expected {
  delivers: Delivered[];
  pings: Uint8Array[];
  outcome: { kind: 'healthy' } | Terminal;
}

/** The reference model: everything before the first terminal item counts, nothing after. */
export function expectedOf(items: readonly Item[]): Expected {
  const delivers: Delivered[] = [];
  const pings: Uint8Array[] = [];
  for (const item of items) {
    if (item.terminal !== undefined) {
      // A terminal item may carry valid frames before its end (a close after some fragments):
      // those never complete a message, and a ping before the close is still answered.
      pings.push(...item.pings);
      return { delivers, pings, outcome: item.terminal };
    }
    delivers.push(...item.delivers);
    pings.push(...item.pings);
  }
  return { delivers, pings, outcome: { kind: 'healthy' } };
}

// ---- encoding ----

/**
 * Encodes one frame as the peer of an rxws endpoint in `role` writes it: masked with `maskKey`
 * when that endpoint is a server (RFC 6455 §5.1), unless the frame is meant to get it wrong.
 */
export function encodeRawFrame(frame: RawFrameSpec, role: Role, maskKey: Uint8Array): Uint8Array {
  const masked = (role === 'server') !== (frame.wrongMask === true);
  const payload = frame.length64 === undefined ? frame.payload : new Uint8Array(0);
  const length = payload.length;
  const header: number[] = [(frame.fin ? 0x80 : 0) | ((frame.rsv & 7) << 4) | (frame.opcode & 0x0f)];
  const maskBit = masked ? 0x80 : 0;
  if (frame.length64 !== undefined) {
    header.push(maskBit | 127);
    for (let shift = 56n; shift >= 0n; shift -= 8n) header.push(Number((frame.length64 >> shift) & 0xffn));
  } else if (length < 126) {
    header.push(maskBit | length);
  } else if (length < 65536) {
    header.push(maskBit | 126, length >> 8, length & 0xff);
  } else {
    header.push(maskBit | 127, 0, 0, 0, 0, (length >>> 24) & 0xff, (length >> 16) & 0xff, (length >> 8) & 0xff, length & 0xff);
  }
  if (masked) header.push(...maskKey);
  const out = new Uint8Array(header.length + length);
  out.set(header, 0);
  for (let i = 0; i < length; i++) out[header.length + i] = masked ? payload[i]! ^ maskKey[i & 3]! : payload[i]!;
  return out;
}

export function encodeCase(items: readonly Item[], role: Role, maskKey: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const item of items) {
    const frames = item.frames.map((f) => encodeRawFrame(f, role, maskKey));
    if (item.cut !== undefined && frames.length > 0) {
      const last = frames.pop()!;
      frames.push(last.subarray(0, Math.min(item.cut, last.length - 1)));
    }
    parts.push(...frames);
    // After a fault or a close the peer goes on writing (it must all be ignored); after EOF, nothing.
    if (item.terminal?.kind === 'eof') break;
  }
  return Buffer.concat(parts);
}

// ---- generators ----

const utf8 = (text: string): Uint8Array => Buffer.from(text, 'utf8');
const bytes = (max: number) => fc.uint8Array({ maxLength: max });
const controlPayload = bytes(125);

/** Splits `payload` into `count` fragments at the given cut fractions (empty fragments allowed). */
function fragment(payload: Uint8Array, cuts: number[]): Uint8Array[] {
  const points = cuts.map((c) => Math.floor(c * payload.length)).sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let start = 0;
  for (const point of points) {
    out.push(payload.subarray(start, point));
    start = point;
  }
  out.push(payload.subarray(start));
  return out;
}

function dataFrames(opcode: 1 | 2, parts: Uint8Array[], between: Array<RawFrameSpec | null> = []): RawFrameSpec[] {
  const frames: RawFrameSpec[] = [];
  parts.forEach((payload, i) => {
    frames.push({ fin: i === parts.length - 1, rsv: 0, opcode: i === 0 ? opcode : 0, payload });
    const control = between[i];
    if (control !== undefined && control !== null && i < parts.length - 1) frames.push(control);
  });
  return frames;
}

const fraction = fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true });

/** A control frame that may sit between fragments: a ping or an unsolicited pong. */
const interleaved = fc.option(
  fc.record({ ping: fc.boolean(), payload: controlPayload }).map(({ ping, payload }): RawFrameSpec => ({ fin: true, rsv: 0, opcode: ping ? 9 : 10, payload })),
  { freq: 3 },
);

function controlEffects(frames: RawFrameSpec[]): { delivers: Delivered[]; pings: Uint8Array[] } {
  const delivers: Delivered[] = [];
  const pings: Uint8Array[] = [];
  for (const f of frames) {
    if (f.opcode === 9) pings.push(f.payload);
    if (f.opcode === 10) delivers.push({ type: 'pong', data: f.payload });
  }
  return { delivers, pings };
}

const textPayload = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'binary', maxLength: 120 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary-ascii', minLength: 500, maxLength: FUZZ_LIMITS.maxMessageBytes }) },
).map((text) => {
  // Keep it within the limit in bytes (astral characters are 4 bytes each).
  let bytesOfText = utf8(text);
  while (bytesOfText.length > FUZZ_LIMITS.maxMessageBytes) bytesOfText = utf8((text = text.slice(0, Math.floor(text.length / 2))));
  return bytesOfText;
});

const binaryPayload = fc.oneof({ weight: 4, arbitrary: bytes(200) }, { weight: 1, arbitrary: bytes(FUZZ_LIMITS.maxMessageBytes) });

/** A valid text or binary message, fragmented at arbitrary byte positions (code points may split). */
const validMessage: fc.Arbitrary<Item> = fc
  .record({
    text: fc.boolean(),
    textBytes: textPayload,
    binary: binaryPayload,
    cuts: fc.array(fraction, { maxLength: FUZZ_LIMITS.maxFragments - 1 }),
    between: fc.array(interleaved, { maxLength: FUZZ_LIMITS.maxFragments }),
  })
  .map(({ text, textBytes, binary, cuts, between }) => {
    const payload = text ? textBytes : binary;
    const frames = dataFrames(text ? 1 : 2, fragment(payload, cuts), between);
    const controls = controlEffects(frames);
    const message: Delivered = text ? { type: 'text', data: Buffer.from(payload).toString('utf8') } : { type: 'binary', data: payload };
    // Controls between fragments are delivered before the message completes (RELIABILITY 10).
    return { label: `${text ? 'text' : 'binary'} ${payload.length} B in ${cuts.length + 1}`, frames, delivers: [...controls.delivers, message], pings: controls.pings };
  });

const ping: fc.Arbitrary<Item> = controlPayload.map((payload) => ({ label: 'ping', frames: [{ fin: true, rsv: 0, opcode: 9, payload }], delivers: [], pings: [payload] }));
const pong: fc.Arbitrary<Item> = controlPayload.map((payload) => ({ label: 'pong', frames: [{ fin: true, rsv: 0, opcode: 10, payload }], delivers: [{ type: 'pong', data: payload }], pings: [] }));

const fault = (label: string, code: number, frames: RawFrameSpec[]): Item => ({ label, frames, delivers: [], pings: [], terminal: { kind: 'fault', code } });

/** Invalid UTF-8 sequences (overlong, surrogate, > U+10FFFF, stray continuation, bad lead). */
const invalidUtf8 = fc.constantFrom(
  [0xc0, 0x80],
  [0xe0, 0x80, 0x80],
  [0xed, 0xa0, 0x80],
  [0xf4, 0x90, 0x80, 0x80],
  [0x80],
  [0xff],
  [0xf8, 0x88, 0x80, 0x80, 0x80],
  [0xe2, 0x82], // truncated at FIN when it ends the message
);

const faults: fc.Arbitrary<Item> = fc.oneof(
  // RFC 6455 §5.2: RSV bits without an extension → 1002 (RELIABILITY 1).
  fc.record({ rsv: fc.integer({ min: 1, max: 7 }), opcode: fc.constantFrom(1, 2, 9) }).map(({ rsv, opcode }) => fault(`rsv ${rsv}`, 1002, [{ fin: true, rsv, opcode, payload: utf8('x') }])),
  // Reserved opcodes → 1002 (RELIABILITY 2).
  fc.constantFrom(3, 4, 5, 6, 7, 0xb, 0xc, 0xd, 0xe, 0xf).map((opcode) => fault(`opcode ${opcode}`, 1002, [{ fin: true, rsv: 0, opcode, payload: utf8('x') }])),
  // The wrong masking for the peer's role → 1002 (RELIABILITY 3); resolved per role at encoding.
  fc.constantFrom(1, 2, 9).map((opcode) => fault('wrong mask', 1002, [{ fin: true, rsv: 0, opcode, payload: utf8('x'), wrongMask: true }])),
  // Control frames over 125 bytes or fragmented → 1002 (RELIABILITY 4, 5).
  fc.record({ opcode: fc.constantFrom(8, 9, 10), size: fc.integer({ min: 126, max: 300 }) }).map(({ opcode, size }) => fault(`control ${size} B`, 1002, [{ fin: true, rsv: 0, opcode, payload: new Uint8Array(size) }])),
  fc.constantFrom(8, 9, 10).map((opcode) => fault(`fragmented control ${opcode}`, 1002, [{ fin: false, rsv: 0, opcode, payload: new Uint8Array(0) }])),
  // An orphan continuation, or a new message inside a fragmented one → 1002 (RELIABILITY 6).
  fc.boolean().map((fin) => fault('orphan continuation', 1002, [{ fin, rsv: 0, opcode: 0, payload: utf8('x') }])),
  fc.constantFrom(1, 2).map((opcode) => fault('nested message', 1002, [{ fin: false, rsv: 0, opcode: 2, payload: utf8('a') }, { fin: true, rsv: 0, opcode, payload: utf8('b') }])),
  // A 64-bit length with the MSB set → 1002; above 2^53-1 → 1009 (RELIABILITY 7).
  fc.bigInt({ min: 1n << 63n, max: (1n << 64n) - 1n }).map((length64) => fault('length msb', 1002, [{ fin: true, rsv: 0, opcode: 2, payload: new Uint8Array(0), length64 }])),
  fc.bigInt({ min: (1n << 53n), max: (1n << 63n) - 1n }).map((length64) => fault('length > 2^53-1', 1009, [{ fin: true, rsv: 0, opcode: 2, payload: new Uint8Array(0), length64 }])),
  // Invalid UTF-8 in a text message, whole or in any fragment → 1007 (RELIABILITY 11-13).
  fc.record({ before: fc.string({ unit: 'binary-ascii', maxLength: 20 }), bad: invalidUtf8, cuts: fc.array(fraction, { maxLength: 3 }) }).map(({ before, bad, cuts }) => {
    const payload = Buffer.concat([utf8(before), Uint8Array.from(bad)]);
    return fault(`invalid utf-8 ${bad.map((b) => b.toString(16)).join(' ')}`, 1007, dataFrames(1, fragment(payload, cuts)));
  }),
  // Over maxMessageBytes, in one frame or cumulatively → 1009 (RELIABILITY 7, 34).
  fc.record({ size: fc.integer({ min: FUZZ_LIMITS.maxMessageBytes + 1, max: 3 * FUZZ_LIMITS.maxMessageBytes }), cuts: fc.array(fraction, { maxLength: FUZZ_LIMITS.maxFragments - 1 }) }).map(({ size, cuts }) =>
    fault(`${size} B message`, 1009, dataFrames(2, fragment(new Uint8Array(size), cuts))),
  ),
  // More than maxFragments fragments → 1008 (RELIABILITY 35).
  fc.integer({ min: FUZZ_LIMITS.maxFragments + 1, max: FUZZ_LIMITS.maxFragments + 4 }).map((count) =>
    fault(`${count} fragments`, 1008, dataFrames(1, Array.from({ length: count }, () => utf8('f')))),
  ),
  // Close payloads: 1 byte → 1002; a code not valid on the wire → 1002; a reason not UTF-8 → 1007 (RELIABILITY 14-16).
  fc.constant(fault('1-byte close', 1002, [{ fin: true, rsv: 0, opcode: 8, payload: Uint8Array.of(3) }])),
  fc.constantFrom(0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535).map((code) => fault(`close code ${code}`, 1002, [{ fin: true, rsv: 0, opcode: 8, payload: closePayload(code, utf8('r')) }])),
  invalidUtf8.map((bad) => fault('close reason not utf-8', 1007, [{ fin: true, rsv: 0, opcode: 8, payload: closePayload(1000, Uint8Array.from(bad)) }])),
);

function closePayload(code: number, reason: Uint8Array): Uint8Array {
  const out = new Uint8Array(2 + reason.length);
  out[0] = code >> 8;
  out[1] = code & 0xff;
  out.set(reason, 2);
  return out;
}

const validCloseCode = fc.oneof(fc.constantFrom(1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014), fc.integer({ min: 3000, max: 4999 }));

/** A valid close from the peer, possibly in the middle of a fragmented message (which is dropped). */
const closeTerminal: fc.Arbitrary<Item> = fc
  .record({ code: fc.option(validCloseCode, { freq: 5 }), reason: fc.string({ unit: 'binary', maxLength: 30 }), midMessage: fc.boolean(), ping: fc.option(controlPayload) })
  .map(({ code, reason, midMessage, ping: pingPayload }) => {
    let reasonBytes = utf8(reason);
    while (reasonBytes.length > 123) reasonBytes = utf8((reason = reason.slice(0, reason.length >> 1)));
    const frames: RawFrameSpec[] = [];
    if (midMessage) frames.push({ fin: false, rsv: 0, opcode: 1, payload: utf8('partial') });
    if (pingPayload !== null) frames.push({ fin: true, rsv: 0, opcode: 9, payload: pingPayload });
    frames.push({ fin: true, rsv: 0, opcode: 8, payload: code === null ? new Uint8Array(0) : closePayload(code, reasonBytes) });
    return {
      label: `close ${code ?? 'empty'}${midMessage ? ' mid-message' : ''}`,
      frames,
      delivers: [],
      pings: pingPayload === null ? [] : [pingPayload],
      // RFC 6455 §7.1.5: an empty close payload is reported as 1005.
      terminal: code === null ? { kind: 'close', code: 1005, reason: '' } : { kind: 'close', code, reason: Buffer.from(reasonBytes).toString('utf8') },
    };
  });

/** EOF, possibly in the middle of a frame of a valid message (RELIABILITY 20: 1006, partial dropped). */
const eofTerminal: fc.Arbitrary<Item> = fc.record({ message: validMessage, cut: fc.nat({ max: 40 }), withFrame: fc.boolean() }).map(({ message, cut, withFrame }) => ({
  label: withFrame ? `eof after ${cut} bytes of a frame` : 'eof',
  frames: withFrame ? [message.frames[0]!] : [],
  delivers: [],
  pings: [],
  terminal: { kind: 'eof' },
  cut: withFrame ? cut : undefined,
}));

export const caseArbitrary: fc.Arbitrary<Case> = fc.record({
  items: fc
    .tuple(
      fc.array(fc.oneof({ weight: 6, arbitrary: validMessage }, { weight: 1, arbitrary: ping }, { weight: 1, arbitrary: pong }), { maxLength: 8 }),
      fc.option(fc.oneof({ weight: 4, arbitrary: faults }, { weight: 1, arbitrary: closeTerminal }, { weight: 1, arbitrary: eofTerminal }), { freq: 4 }),
      fc.array(fc.oneof(validMessage, ping), { maxLength: 2 }),
    )
    .map(([before, terminal, after]) => (terminal === null ? before : [...before, terminal, ...after])),
  splits: fc.array(fraction, { maxLength: 12 }),
});

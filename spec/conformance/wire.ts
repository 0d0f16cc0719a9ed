// Frame bytes for the fuzzing peers, written from RFC 6455 §5.2 on purpose without src/: the
// conformance suite must not share an encoder (or its bugs) with the code it judges.
import { createHash } from 'node:crypto';

export const Op = {
  Continuation: 0x0,
  Text: 0x1,
  Binary: 0x2,
  Close: 0x8,
  Ping: 0x9,
  Pong: 0xa,
} as const;

export const OPCODE_NAMES: Record<number, string> = { 0: 'cont', 1: 'text', 2: 'binary', 8: 'close', 9: 'ping', 10: 'pong' };

/** One frame as a case describes it; the runner masks it when the fuzzer is the client (§5.3). */
export interface FrameSpec {
  opcode: number;
  payload?: Uint8Array | string;
  /** Default true. */
  fin?: boolean;
  /** RSV1 = 4, RSV2 = 2, RSV3 = 1 (the three bits as one number, as in §5.2's figure). */
  rsv?: number;
  /** Force the length encoding (7, 16 or 64 bits); default the minimal one §5.2 asks senders for. */
  lengthBits?: 7 | 16 | 64;
  /** Declare this payload length but only put `payload` on the wire (a frame cut short on purpose). */
  declaredLength?: number;
}

export function bytesOf(payload: Uint8Array | string | undefined): Buffer {
  if (payload === undefined) return Buffer.alloc(0);
  return typeof payload === 'string' ? Buffer.from(payload, 'utf8') : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
}

/** Encodes one frame; `maskKey` given → masked with it (client to server). */
export function encodeWire(spec: FrameSpec, maskKey?: Uint8Array): Buffer {
  const payload = bytesOf(spec.payload);
  const length = spec.declaredLength ?? payload.length;
  const bits = spec.lengthBits ?? (length < 126 ? 7 : length < 65536 ? 16 : 64);
  if (bits === 7 && length > 125) throw new Error('7-bit length holds at most 125');
  if (bits === 16 && length > 65535) throw new Error('16-bit length holds at most 65535');
  const extra = bits === 7 ? 0 : bits === 16 ? 2 : 8;
  const headerSize = 2 + extra + (maskKey ? 4 : 0);
  const out = Buffer.allocUnsafe(headerSize + payload.length);
  out[0] = ((spec.fin ?? true) ? 0x80 : 0) | ((spec.rsv ?? 0) << 4) | spec.opcode;
  out[1] = (maskKey ? 0x80 : 0) | (bits === 7 ? length : bits === 16 ? 126 : 127);
  if (bits === 16) out.writeUInt16BE(length, 2);
  if (bits === 64) out.writeBigUInt64BE(BigInt(length), 2);
  let p = 2 + extra;
  if (maskKey) {
    out.set(maskKey, p);
    p += 4;
    // §5.3: octet i of the transformed data is octet i of the original XOR octet i MOD 4 of the key.
    const n = payload.length;
    const k0 = maskKey[0]!, k1 = maskKey[1]!, k2 = maskKey[2]!, k3 = maskKey[3]!;
    let i = 0;
    for (; i + 4 <= n; i += 4) {
      out[p + i] = payload[i]! ^ k0;
      out[p + i + 1] = payload[i + 1]! ^ k1;
      out[p + i + 2] = payload[i + 2]! ^ k2;
      out[p + i + 3] = payload[i + 3]! ^ k3;
    }
    for (; i < n; i++) out[p + i] = payload[i]! ^ maskKey[i & 3]!;
  } else {
    payload.copy(out, p);
  }
  return out;
}

/** A frame as read off the wire. */
export interface WireFrame {
  fin: boolean;
  rsv: number;
  opcode: number;
  masked: boolean;
  payload: Buffer;
}

/**
 * Incremental frame reader that stays linear for 16 MiB messages: once a header says how many
 * bytes the frame needs, chunks are only collected until that many arrived, then joined once.
 */
export class WireReader {
  private chunks: Buffer[] = [];
  private total = 0;
  private need = 2;

  push(chunk: Buffer): WireFrame[] {
    this.chunks.push(chunk);
    this.total += chunk.length;
    const frames: WireFrame[] = [];
    while (this.total >= this.need) {
      const buf = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.total);
      this.chunks = [buf];
      const b1 = buf[1]!;
      const masked = (b1 & 0x80) !== 0;
      const len7 = b1 & 0x7f;
      const headerSize = 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (masked ? 4 : 0);
      if (buf.length < headerSize) {
        this.need = headerSize;
        continue;
      }
      const length = len7 === 126 ? buf.readUInt16BE(2) : len7 === 127 ? Number(buf.readBigUInt64BE(2)) : len7;
      if (buf.length < headerSize + length) {
        this.need = headerSize + length;
        continue;
      }
      const payload = Buffer.from(buf.subarray(headerSize, headerSize + length));
      if (masked) {
        const k = buf.subarray(headerSize - 4, headerSize);
        for (let i = 0; i < length; i++) payload[i]! ^= k[i & 3]!;
      }
      frames.push({ fin: (buf[0]! & 0x80) !== 0, rsv: (buf[0]! >> 4) & 7, opcode: buf[0]! & 0x0f, masked, payload });
      const rest = buf.subarray(headerSize + length);
      this.chunks = rest.length > 0 ? [rest] : [];
      this.total = rest.length;
      this.need = 2;
    }
    return frames;
  }
}

/** A close frame's payload: code (2 bytes, big-endian) then the UTF-8 reason (§5.5.1). */
export function closeBody(code: number, reason: string | Uint8Array = ''): Buffer {
  const r = bytesOf(reason);
  const out = Buffer.alloc(2 + r.length);
  out.writeUInt16BE(code, 0);
  r.copy(out, 2);
  return out;
}

/** Short, diff-friendly description of a payload: hex when small, length and digest when big. */
export function describePayload(payload: Uint8Array | string): string {
  const b = bytesOf(payload);
  if (b.length <= 48) return `${b.length}:${b.toString('hex')}`;
  return `${b.length}:sha256=${createHash('sha256').update(b).digest('hex').slice(0, 16)}`;
}

/** Deterministic ASCII filler (like Autobahn's repeated pattern), valid UTF-8 by construction. */
export function textOf(length: number, pattern = 'BAsd7&jh23'): Buffer {
  const unit = Buffer.from(pattern);
  const out = Buffer.allocUnsafe(length);
  for (let p = 0; p < length; p += unit.length) unit.copy(out, p, 0, Math.min(unit.length, length - p));
  return out;
}

/** Deterministic binary filler covering every byte value. */
export function binaryOf(length: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) out[i] = (i * 31 + 7) & 0xff;
  return out;
}

export const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

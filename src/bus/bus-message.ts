import { isUtf8 } from 'node:buffer';
import { UsageError } from '../errors';

/**
 * The bytes rxws puts on a bus channel, version 1. Big-endian, one header, then the payload:
 *
 *   0      u8    version (1)
 *   1      u8    kind: 1 text, 2 binary, 3 count request, 4 count reply
 *   2..9   8 B   origin: the id of the server that sent it
 *   10..11 u16   topic length in bytes (T)
 *   12..   T B   topic name, UTF-8
 *   then, for text and binary:  u32 except-member id (0: none), and the payload to the end
 *         for a count request:  u32 request id (and nothing after)
 *         for a count reply:    u32 request id, u32 member count (and nothing after)
 *
 * 16 bytes plus the topic name per published message. A reader checks every length against the
 * bytes it got, so another application's messages on the same channels are rejected, not misread.
 */
export const BUS_WIRE_VERSION = 1;

export const enum BusKind {
  Text = 1,
  Binary = 2,
  CountRequest = 3,
  CountReply = 4,
}

/** Server ids are this many random bytes. */
export const ORIGIN_BYTES = 8;
const TOPIC_AT = 2 + ORIGIN_BYTES + 2;
/** The longest topic name the header can carry, in UTF-8 bytes. */
export const MAX_TOPIC_BYTES = 0xffff;

function header(kind: BusKind, origin: Uint8Array, topic: string, after: number, payloadBytes: number): { out: Buffer; at: number } {
  const topicBytes = Buffer.byteLength(topic, 'utf8');
  if (topicBytes > MAX_TOPIC_BYTES) throw new UsageError('topic_name_too_long', `a topic name is at most ${MAX_TOPIC_BYTES} bytes of UTF-8 to cross servers`);
  const out = Buffer.allocUnsafe(TOPIC_AT + topicBytes + after + payloadBytes);
  out[0] = BUS_WIRE_VERSION;
  out[1] = kind;
  out.set(origin, 2);
  out.writeUInt16BE(topicBytes, 2 + ORIGIN_BYTES);
  out.write(topic, TOPIC_AT, 'utf8');
  return { out, at: TOPIC_AT + topicBytes };
}

/** A published message: text (as UTF-8) or binary, byte for byte. */
export function encodeBusPublish(origin: Uint8Array, topic: string, exceptId: number, message: string | Uint8Array): Buffer {
  const text = typeof message === 'string';
  const payloadBytes = text ? Buffer.byteLength(message, 'utf8') : message.byteLength;
  const { out, at } = header(text ? BusKind.Text : BusKind.Binary, origin, topic, 4, payloadBytes);
  out.writeUInt32BE(exceptId, at);
  if (text) out.write(message, at + 4, 'utf8');
  else out.set(message, at + 4);
  return out;
}

export function encodeCountRequest(origin: Uint8Array, topic: string, requestId: number): Buffer {
  const { out, at } = header(BusKind.CountRequest, origin, topic, 4, 0);
  out.writeUInt32BE(requestId, at);
  return out;
}

export function encodeCountReply(origin: Uint8Array, topic: string, requestId: number, count: number): Buffer {
  const { out, at } = header(BusKind.CountReply, origin, topic, 8, 0);
  out.writeUInt32BE(requestId, at);
  out.writeUInt32BE(Math.min(count, 0xffffffff), at + 4);
  return out;
}

/**
 * Reads bus messages into its own fields, so reading one allocates only the topic string and the
 * payload view. `read` returns undefined when the message is valid, or why it is not.
 */
export class BusMessageReader {
  kind: BusKind = BusKind.Text;
  /** A view of the origin id inside the message. */
  origin: Uint8Array = new Uint8Array(0);
  topic = '';
  exceptId = 0;
  requestId = 0;
  count = 0;
  /** For text and binary: the payload, a view of the message (text is valid UTF-8). */
  payload: Uint8Array = new Uint8Array(0);

  read(bytes: Uint8Array): string | undefined {
    const length = bytes.length;
    if (length < TOPIC_AT) return 'truncated header';
    if (bytes[0] !== BUS_WIRE_VERSION) return `unknown version ${bytes[0]}`;
    const kind = bytes[1]!;
    if (kind < BusKind.Text || kind > BusKind.CountReply) return `unknown kind ${kind}`;
    const topicEnd = TOPIC_AT + ((bytes[TOPIC_AT - 2]! << 8) | bytes[TOPIC_AT - 1]!);
    const fixed = kind === BusKind.CountReply ? 8 : 4;
    if (topicEnd + fixed > length) return 'truncated header';
    if (kind >= BusKind.CountRequest && topicEnd + fixed !== length) return 'trailing bytes after a count message';
    const topicBytes = bytes.subarray(TOPIC_AT, topicEnd);
    if (!isUtf8(topicBytes)) return 'topic name is not UTF-8';
    this.kind = kind;
    this.origin = bytes.subarray(2, 2 + ORIGIN_BYTES);
    this.topic = Buffer.from(topicBytes.buffer, topicBytes.byteOffset, topicBytes.length).toString('utf8');
    const word = readUInt32(bytes, topicEnd);
    if (kind === BusKind.CountRequest) this.requestId = word;
    else if (kind === BusKind.CountReply) {
      this.requestId = word;
      this.count = readUInt32(bytes, topicEnd + 4);
    } else {
      this.exceptId = word;
      this.payload = bytes.subarray(topicEnd + 4);
      if (kind === BusKind.Text && !isUtf8(this.payload)) return 'text payload is not UTF-8';
    }
    return undefined;
  }
}

function readUInt32(bytes: Uint8Array, at: number): number {
  return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
}

/** True when the two ids are the same bytes (origin ids are ORIGIN_BYTES long). */
export function sameOrigin(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < ORIGIN_BYTES; i++) if (a[i] !== b[i]) return false;
  return true;
}

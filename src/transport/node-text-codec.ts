import type { TextCodec } from '../protocol/protocol-types';

/** A view of the same memory as a Buffer, without copying, so Node's fast UTF-8 paths apply. */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Decodes bytes the protocol has already validated; a leading U+FEFF is content, not a BOM. */
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/**
 * UTF-8 for the per-message hot path, each direction through what measured fastest on Node 20
 * (micro-measures, ns per call): Buffer.byteLength + Buffer#write encode small strings
 * 5-30% faster than TextEncoder.encodeInto; TextDecoder decodes 10-35% faster than
 * Buffer#toString at every size from 8 B to 64 KiB.
 */
export const nodeTextCodec: TextCodec = {
  byteLength(text: string): number {
    return Buffer.byteLength(text, 'utf8');
  },
  encodeInto(text: string, target: Uint8Array, offset: number): number {
    return asBuffer(target).write(text, offset, 'utf8');
  },
  decode(bytes: Uint8Array): string {
    return decoder.decode(bytes);
  },
};

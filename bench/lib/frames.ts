/**
 * The little RFC 6455 framing the load generators and the raw servers need. Pure and
 * allocation-free on the hot path: the generator's per-message cost must stay far below any
 * server's, or we would measure the generator.
 */

export const OPCODE_TEXT = 0x1;
export const OPCODE_BINARY = 0x2;
export const OPCODE_CLOSE = 0x8;
export const OPCODE_PING = 0x9;
export const OPCODE_PONG = 0xa;

/** A fixed mask key: masking only has to be present (RFC 6455 §5.3), not unpredictable, in a benchmark. */
export const BENCH_MASK_KEY: readonly number[] = [0x37, 0xfa, 0x21, 0x3d];

/** Header length of a frame carrying `payloadLength` bytes (RFC 6455 §5.2). */
export function headerLength(payloadLength: number, masked: boolean): number {
  const ext = payloadLength < 126 ? 0 : payloadLength <= 0xffff ? 2 : 8;
  return 2 + ext + (masked ? 4 : 0);
}

/** One complete FIN frame; masked with `maskKey` when given (client → server frames must be). */
export function buildFrame(opcode: number, payload: Uint8Array, maskKey?: readonly number[]): Buffer {
  const masked = maskKey !== undefined;
  const len = payload.length;
  const hl = headerLength(len, masked);
  const out = Buffer.allocUnsafe(hl + len);
  out[0] = 0x80 | (opcode & 0x0f);
  let p = 2;
  if (len < 126) {
    out[1] = len;
  } else if (len <= 0xffff) {
    out[1] = 126;
    out.writeUInt16BE(len, 2);
    p = 4;
  } else {
    out[1] = 127;
    out.writeUInt32BE(Math.floor(len / 0x100000000), 2);
    out.writeUInt32BE(len >>> 0, 6);
    p = 10;
  }
  if (masked) {
    out[1] |= 0x80;
    for (let i = 0; i < 4; i++) out[p + i] = maskKey[i]!;
    p += 4;
    for (let i = 0; i < len; i++) out[p + i] = payload[i]! ^ maskKey[i & 3]!;
  } else {
    out.set(payload, p);
  }
  return out;
}

/** `count` copies of `frame` back to back, so one write() can carry many messages. */
export function repeatFrame(frame: Uint8Array, count: number): Buffer {
  const out = Buffer.allocUnsafe(frame.length * count);
  for (let i = 0; i < count; i++) out.set(frame, i * frame.length);
  return out;
}

/** A close frame with status 1000 and no reason, masked for a client. */
export function buildCloseFrame(maskKey?: readonly number[]): Buffer {
  return buildFrame(OPCODE_CLOSE, Uint8Array.of(0x03, 0xe8), maskKey);
}

/**
 * Counts complete frames in a byte stream by walking headers in place and skipping payloads,
 * never copying a payload. Accepts masked and unmasked frames alike, so the same counter serves
 * a WebSocket echo (unmasked replies) and a raw byte echo (our own masked frames coming back).
 * Only a header split across two chunks is copied, into a 14-byte scratch area.
 */
export class FrameCounter {
  /** Complete frames seen so far. */
  frames = 0;
  /** Payload bytes seen so far (of complete and partial frames). */
  payloadBytes = 0;
  /** Opcode of the last frame whose header was read. */
  lastOpcode = -1;

  private skip = 0;
  private readonly scratch = new Uint8Array(14);
  private scratchLen = 0;

  /** Feeds one chunk; returns how many frames it completed. */
  push(chunk: Uint8Array): number {
    const len = chunk.length;
    let pos = 0;
    let done = 0;
    while (pos < len) {
      if (this.skip > 0) {
        const take = Math.min(this.skip, len - pos);
        this.skip -= take;
        this.payloadBytes += take;
        pos += take;
        if (this.skip === 0) done++;
        continue;
      }
      if (this.scratchLen === 0) {
        // Fast path: the whole header is in this chunk.
        const avail = len - pos;
        if (avail >= 2) {
          const b1 = chunk[pos + 1]!;
          const len7 = b1 & 0x7f;
          const hl = 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (b1 & 0x80 ? 4 : 0);
          if (avail >= hl) {
            this.lastOpcode = chunk[pos]! & 0x0f;
            const payloadLen = readLength(chunk, pos, len7);
            pos += hl;
            if (payloadLen === 0) done++;
            else this.skip = payloadLen;
            continue;
          }
        }
      }
      // Slow path: gather the header byte by byte across chunks.
      this.scratch[this.scratchLen++] = chunk[pos++]!;
      if (this.scratchLen >= 2) {
        const b1 = this.scratch[1]!;
        const len7 = b1 & 0x7f;
        const hl = 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (b1 & 0x80 ? 4 : 0);
        if (this.scratchLen === hl) {
          this.lastOpcode = this.scratch[0]! & 0x0f;
          const payloadLen = readLength(this.scratch, 0, len7);
          this.scratchLen = 0;
          if (payloadLen === 0) done++;
          else this.skip = payloadLen;
        }
      }
    }
    this.frames += done;
    return done;
  }
}

function readLength(buf: Uint8Array, pos: number, len7: number): number {
  if (len7 < 126) return len7;
  if (len7 === 126) return (buf[pos + 2]! << 8) | buf[pos + 3]!;
  // 64-bit length; payloads in a benchmark stay far below 2^53.
  const hi = ((buf[pos + 2]! << 24) | (buf[pos + 3]! << 16) | (buf[pos + 4]! << 8) | buf[pos + 5]!) >>> 0;
  const lo = ((buf[pos + 6]! << 24) | (buf[pos + 7]! << 16) | (buf[pos + 8]! << 8) | buf[pos + 9]!) >>> 0;
  return hi * 0x100000000 + lo;
}

/**
 * Turns a stream of masked client frames into the unmasked frames a server sends back, in place:
 * the output of a chunk is compacted to its front (dropping each 4-byte mask key) and unmasked as
 * it goes. A ping is answered as a pong. This is the "raw fast echo server" the client benchmark
 * measures clients against. The caller must own `chunk` (net's data chunks are fresh buffers).
 */
export class FrameUnmasker {
  private remaining = 0;
  private readonly key = new Uint8Array(4);
  private keyOffset = 0;
  private readonly scratch = new Uint8Array(14);
  private scratchLen = 0;

  /** Returns the bytes to write back: usually one subarray of `chunk`, plus a header split across chunks. */
  push(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    const len = chunk.length;
    let r = 0; // read position
    let w = 0; // write position, always <= r
    while (r < len) {
      if (this.remaining > 0) {
        const take = Math.min(this.remaining, len - r);
        const key = this.key;
        const k = this.keyOffset;
        // Unrolled by four with the key rotated to this phase: the byte-at-a-time loop made this
        // "raw" server slower than the clients it is meant to measure at 64 KiB.
        const k0 = key[k]!;
        const k1 = key[(k + 1) & 3]!;
        const k2 = key[(k + 2) & 3]!;
        const k3 = key[(k + 3) & 3]!;
        let i = 0;
        for (; i + 4 <= take; i += 4) {
          chunk[w + i] = chunk[r + i]! ^ k0;
          chunk[w + i + 1] = chunk[r + i + 1]! ^ k1;
          chunk[w + i + 2] = chunk[r + i + 2]! ^ k2;
          chunk[w + i + 3] = chunk[r + i + 3]! ^ k3;
        }
        for (; i < take; i++) chunk[w + i] = chunk[r + i]! ^ key[(k + i) & 3]!;
        this.keyOffset = (k + take) & 3;
        this.remaining -= take;
        r += take;
        w += take;
        continue;
      }
      const avail = len - r;
      if (this.scratchLen === 0 && avail >= 2) {
        const b1 = chunk[r + 1]!;
        const len7 = b1 & 0x7f;
        const ext = len7 === 126 ? 2 : len7 === 127 ? 8 : 0;
        const masked = (b1 & 0x80) !== 0;
        const hl = 2 + ext + (masked ? 4 : 0);
        if (avail >= hl) {
          const payloadLen = readLength(chunk, r, len7);
          const b0 = chunk[r]!;
          chunk[w] = (b0 & 0x0f) === OPCODE_PING ? (b0 & 0xf0) | OPCODE_PONG : b0;
          chunk[w + 1] = b1 & 0x7f;
          for (let i = 0; i < ext; i++) chunk[w + 2 + i] = chunk[r + 2 + i]!;
          this.startPayload(masked ? chunk : null, r + 2 + ext, payloadLen);
          r += hl;
          w += 2 + ext;
          continue;
        }
      }
      this.scratch[this.scratchLen++] = chunk[r++]!;
      if (this.scratchLen >= 2) {
        const b1 = this.scratch[1]!;
        const len7 = b1 & 0x7f;
        const ext = len7 === 126 ? 2 : len7 === 127 ? 8 : 0;
        const masked = (b1 & 0x80) !== 0;
        if (this.scratchLen === 2 + ext + (masked ? 4 : 0)) {
          // The header straddled chunks: emit what is compacted so far, then the header on its own.
          if (w > 0) out.push(chunk.subarray(0, w));
          chunk = chunk.subarray(r);
          r = 0;
          w = 0;
          const header = Buffer.allocUnsafe(2 + ext);
          const b0 = this.scratch[0]!;
          header[0] = (b0 & 0x0f) === OPCODE_PING ? (b0 & 0xf0) | OPCODE_PONG : b0;
          header[1] = len7;
          for (let i = 0; i < ext; i++) header[2 + i] = this.scratch[2 + i]!;
          out.push(header);
          this.startPayload(masked ? this.scratch : null, 2 + ext, readLength(this.scratch, 0, len7));
          this.scratchLen = 0;
          return out.concat(this.push(chunk));
        }
      }
    }
    if (w > 0) out.push(chunk.subarray(0, w));
    return out;
  }

  private startPayload(keySource: Uint8Array | null, keyPos: number, payloadLen: number): void {
    for (let i = 0; i < 4; i++) this.key[i] = keySource ? keySource[keyPos + i]! : 0;
    this.keyOffset = 0;
    this.remaining = payloadLen;
  }
}

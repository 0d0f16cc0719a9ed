import { encodeFrame } from '../protocol/frame-serializer';
import { Opcode } from '../protocol/opcode';
import { LARGE_PAYLOAD_BYTES } from '../protocol/protocol-connection';
import type { Connection } from '../rx/connection';
import type { OutgoingMessage } from '../rx/message';
import { toBytes } from '../rx/to-bytes';
import { MAX_SHARED_DEFLATE_QUEUE_BYTES, compressShared, sharedDeflateBytesQueued, type SharedFrame } from '../transport/shared-frame';

const EMPTY = new Uint8Array(0);

/**
 * The frames of one broadcast, each made at most once: the plain frame for connections without
 * compression (or below their threshold), and one compressed frame per distinct compressor
 * setting (window bits, level, memLevel) among the connections with permessage-deflate. A
 * compressed frame is made from an empty window, so it is valid for every such connection,
 * with or without context takeover; the connection's own compressor then starts its next message
 * afresh (see docs/compression.md for the trade-off). Each receiver counts a compressed frame's
 * input against its `maxBufferedBytes` until it is made. Past MAX_SHARED_DEFLATE_QUEUE_BYTES
 * waiting for zlib, the connection whose message led to the broadcast stops reading for a while;
 * past twice that, the broadcast goes out uncompressed.
 */
export class BroadcastFrames {
  private opcode: number;
  private bytes: Uint8Array;
  /** False while `bytes` is a view someone else may reuse (a bus message): copied before compressing. */
  private owned = true;
  private plain: Uint8Array | undefined;
  private shared: Map<string, SharedFrame> | undefined;
  /** Decided at the first connection that would compress: zlib is too far behind to queue more. */
  private uncompressed: boolean | undefined;

  /**
   * The frames of a message that arrives already encoded (UTF-8 for text, as a bus carries it):
   * no decoding and encoding again. `bytes` need only stay valid until the last `for` call that
   * is made synchronously; it is copied if a compressed frame is wanted (made later).
   */
  static ofPayload(binary: boolean, bytes: Uint8Array): BroadcastFrames {
    const frames = new BroadcastFrames(EMPTY);
    frames.opcode = binary ? Opcode.Binary : Opcode.Text;
    frames.bytes = bytes;
    frames.owned = false;
    return frames;
  }

  constructor(message: OutgoingMessage) {
    if (typeof message === 'string') {
      this.opcode = Opcode.Text;
      this.bytes = Buffer.from(message, 'utf8');
    } else {
      this.opcode = Opcode.Binary;
      const bytes = toBytes(message);
      // Compression reads the bytes later: copy small ones, as a send would (large ones are
      // read in place, the documented contract for large payloads).
      this.bytes = bytes.length < LARGE_PAYLOAD_BYTES ? Uint8Array.prototype.slice.call(bytes) : bytes;
    }
  }

  /** The frame for this connection (the same object for every connection that can share it). */
  for(connection: Connection<any>): Uint8Array | SharedFrame {
    const codec = connection.deflateCodec;
    if (codec !== undefined && codec.shouldCompress(this.bytes.length) && !(this.uncompressed ??= zlibBehind(this.bytes.length))) {
      if (!this.owned) {
        this.bytes = Uint8Array.prototype.slice.call(this.bytes);
        this.owned = true;
      }
      const key = codec.sharedKey!;
      const shared = (this.shared ??= new Map());
      let frame = shared.get(key);
      if (frame === undefined) shared.set(key, (frame = compressShared(this.opcode, this.bytes, codec)));
      return frame;
    }
    return (this.plain ??= encodeFrame(this.opcode, this.bytes, { alloc: Buffer.allocUnsafe }));
  }
}

/** More input waits for zlib than the shared queue takes (an empty queue takes any message). */
function zlibBehind(bytes: number): boolean {
  const queued = sharedDeflateBytesQueued();
  return queued !== 0 && queued + bytes > 2 * MAX_SHARED_DEFLATE_QUEUE_BYTES;
}

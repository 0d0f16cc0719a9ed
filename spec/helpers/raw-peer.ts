// A raw-socket WebSocket peer for tests: sends exactly the bytes a test asks for and reads back
// the server's frames, so tests can check bytes, close codes and who closed the TCP connection.
import * as net from 'node:net';
import { encodeFrame } from '../../src/protocol/frame-serializer';
import { fixedMaskSource } from '../../src/protocol/mask';

export interface RawFrame {
  fin: boolean;
  rsv: number;
  opcode: number;
  masked: boolean;
  payload: Buffer;
}

/** A masked client frame (key 0x37fa213d unless told otherwise), as a browser would send it. */
export function clientFrame(opcode: number, payload: Uint8Array | string = '', options: { fin?: boolean; mask?: boolean } = {}): Buffer {
  const bytes = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const mask = options.mask === false ? undefined : fixedMaskSource(Uint8Array.of(0x37, 0xfa, 0x21, 0x3d));
  return Buffer.from(encodeFrame(opcode, bytes, { fin: options.fin ?? true, mask }));
}

/** Close frame payload: code then reason. */
export function closePayload(code: number, reason = ''): Buffer {
  const out = Buffer.alloc(2 + Buffer.byteLength(reason));
  out.writeUInt16BE(code, 0);
  out.write(reason, 2);
  return out;
}

/** Incremental reader of frames (masked or not) from a byte stream. */
export class FrameReader {
  private buffer = Buffer.alloc(0);

  push(chunk: Buffer): RawFrame[] {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    const frames: RawFrame[] = [];
    for (;;) {
      const b = this.buffer;
      if (b.length < 2) break;
      let len = b[1]! & 0x7f;
      let offset = 2;
      if (len === 126) {
        if (b.length < 4) break;
        len = b.readUInt16BE(2);
        offset = 4;
      } else if (len === 127) {
        if (b.length < 10) break;
        len = Number(b.readBigUInt64BE(2));
        offset = 10;
      }
      const masked = (b[1]! & 0x80) !== 0;
      const keyAt = offset;
      if (masked) offset += 4;
      if (b.length < offset + len) break;
      const payload = Buffer.from(b.subarray(offset, offset + len));
      if (masked) for (let i = 0; i < len; i++) payload[i]! ^= b[keyAt + (i & 3)]!;
      frames.push({ fin: (b[0]! & 0x80) !== 0, rsv: (b[0]! >> 4) & 7, opcode: b[0]! & 0x0f, masked, payload });
      this.buffer = b.subarray(offset + len);
    }
    return frames;
  }
}

export interface RawResponse {
  status: number;
  head: string;
  headers: Record<string, string>;
  body: string;
}

/**
 * A TCP connection to a test server that speaks raw bytes: `upgrade()` sends a handshake and
 * parses the response head; `frames()` waits for frames; `ended` says whether the server closed.
 */
export class RawPeer {
  readonly socket: net.Socket;
  private data = Buffer.alloc(0);
  private readonly reader = new FrameReader();
  private frameQueue: RawFrame[] = [];
  private upgraded = false;
  private waiters: Array<() => void> = [];
  /** Resolves when the server has closed the TCP connection (or it dropped). */
  readonly closed: Promise<void>;
  serverEnded = false;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      if (this.upgraded) this.frameQueue.push(...this.reader.push(chunk));
      else this.data = Buffer.concat([this.data, chunk]);
      this.wake();
    });
    socket.on('end', () => {
      this.serverEnded = true;
      this.wake();
    });
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) => socket.once('close', () => {
      this.wake();
      resolve();
    }));
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawPeer> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, host, () => resolve(new RawPeer(socket)));
      socket.once('error', reject);
    });
  }

  /** Sends a valid upgrade request (override any header, or set it to undefined to drop it). */
  async upgrade(path = '/', headers: Record<string, string | undefined> = {}, method = 'GET'): Promise<RawResponse> {
    const base: Record<string, string | undefined> = {
      Host: `127.0.0.1:${this.socket.remotePort}`,
      Upgrade: 'websocket',
      Connection: 'Upgrade',
      'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
      'Sec-WebSocket-Version': '13',
    };
    const merged = { ...base, ...headers };
    const lines = Object.entries(merged).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}: ${v}`);
    this.socket.write(`${method} ${path} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`);
    return this.readResponse();
  }

  /** Waits for a response head (and, for non-101, the body until the server closes). */
  async readResponse(): Promise<RawResponse> {
    await this.until(() => this.data.indexOf('\r\n\r\n') >= 0 || this.socket.destroyed || this.serverEnded);
    const end = this.data.indexOf('\r\n\r\n');
    if (end < 0) throw new Error(`no response head (got ${JSON.stringify(this.data.toString('latin1'))})`);
    const head = this.data.subarray(0, end).toString('latin1');
    const [statusLine, ...lines] = head.split('\r\n');
    const status = Number(statusLine!.split(' ')[1]);
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const rest = this.data.subarray(end + 4);
    this.data = Buffer.alloc(0);
    if (status === 101) {
      this.upgraded = true;
      this.frameQueue.push(...this.reader.push(rest));
      return { status, head, headers, body: '' };
    }
    const length = Number(headers['content-length'] ?? 0);
    this.data = rest;
    await this.until(() => this.data.length >= length || this.socket.destroyed || this.serverEnded);
    const body = this.data.subarray(0, length).toString('utf8');
    return { status, head, headers, body };
  }

  send(bytes: Uint8Array | string): void {
    this.socket.write(bytes);
  }

  /** Waits for the next `count` frames (or fewer, if the connection closes first). */
  async frames(count = 1, timeoutMs = 5000): Promise<RawFrame[]> {
    await this.until(() => this.frameQueue.length >= count || this.socket.destroyed || this.serverEnded, timeoutMs);
    return this.frameQueue.splice(0, count);
  }

  /** The next frame, failing if none comes. */
  async frame(timeoutMs = 5000): Promise<RawFrame> {
    const [frame] = await this.frames(1, timeoutMs);
    if (frame === undefined) throw new Error('no frame arrived');
    return frame;
  }

  destroy(): void {
    this.socket.destroy();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    waiters.forEach((w) => w());
  }

  private async until(done: () => boolean, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('timed out waiting on the raw peer');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}

import { CLOSE_ABNORMAL, CLOSE_NORMAL } from '../protocol/close-code';
import type { CloseInfo, ProtocolState } from '../protocol/protocol-types';
import { toBytes } from '../rx/to-bytes';
import type { Transport, TransportListener } from './transport';

/**
 * The part of the WHATWG `WebSocket` rxws uses. A browser's `WebSocket`, Node's global one
 * (Node 22 and later) and the `ws` package's class all fit it.
 */
export interface WebSocketLike {
  /** 0 connecting, 1 open, 2 closing, 3 closed. */
  readonly readyState: number;
  /** Bytes passed to `send()` that have not been sent to the network yet. */
  readonly bufferedAmount: number;
  /** The subprotocol the server chose ('' for none). */
  readonly protocol: string;
  /** The extensions the server agreed to ('' for none). */
  readonly extensions: string;
  /** Set to 'arraybuffer' by rxws so binary messages arrive whole, not as Blobs. */
  binaryType: string;
  /** Called once the handshake has completed (set by rxws). */
  onopen: ((event: any) => void) | null;
  /** Called with each message, `event.data` a string or an ArrayBuffer (set by rxws). */
  onmessage: ((event: any) => void) | null;
  /** Called once the connection has closed, with `code`, `reason` and `wasClean` (set by rxws). */
  onclose: ((event: any) => void) | null;
  /** Called when the connection failed; a close event follows (set by rxws). */
  onerror: ((event: any) => void) | null;
  /** Queues one message: a string as text, bytes as binary. */
  send(data: string | ArrayBufferView | ArrayBuffer): void;
  /** Starts the closing handshake (a browser allows 1000 and 3000-4999). */
  close(code?: number, reason?: string): void;
}

/** A WebSocket class: `new (url, protocols)`, as the global `WebSocket` is. */
export type WebSocketClass = new (url: string, protocols?: string | string[]) => WebSocketLike;

/** `WebSocket.readyState` values (WHATWG WebSockets §"readyState"). */
const OPEN = 1;
const CLOSING = 2;
/** Longest wait between two looks at `bufferedAmount`: the browser has no drain event. */
const MAX_POLL_MS = 16;

/**
 * WHATWG WebSocket close(): a script may send only 1000 or 3000-4999 (anything else throws an
 * InvalidAccessError). rxws sends other codes itself (1011 for `sink.error()`, 1008 when the
 * outbound cap is exceeded); in a browser those go out as 1000 with their reason, and the close
 * is reported with the code rxws meant.
 */
export function isBrowserCloseCode(code: number): boolean {
  return code === CLOSE_NORMAL || (code >= 3000 && code <= 4999);
}

/**
 * @internal The connection's transport in a browser: the platform's WebSocket does the framing,
 * the masking, the UTF-8 checks and the closing handshake; this reports its events upward and
 * gives the connection what the browser lacks: a drain signal (polled: `bufferedAmount` has no
 * event), a close timeout, and binary messages as `Uint8Array`s.
 */
export class BrowserTransport implements Transport {
  // Declared fields, not constructor parameter properties: esbuild's mangleProps (the browser
  // bundle) would leave each parameter property's original name in the bundle as a second,
  // undefined field.
  private readonly socket: WebSocketLike;
  /** After our close frame, how long to wait for the close event before reporting 1006. */
  private readonly closeWaitMs: number;
  private readonly listener: TransportListener;
  /** The socket has closed (or the close timed out): nothing more is reported. */
  private ended = false;
  /** The code this side meant when the browser had to send 1000 instead (see isBrowserCloseCode). */
  private meantCode: number | undefined;
  private closeTimer: ReturnType<typeof setTimeout> | undefined;
  private pollTimer: ReturnType<typeof setTimeout> | undefined;
  private pollDelayMs = 0;
  private flushWaiters: Array<() => void> | undefined;

  constructor(socket: WebSocketLike, closeWaitMs: number, listener: TransportListener) {
    this.socket = socket;
    this.closeWaitMs = closeWaitMs;
    this.listener = listener;
    socket.binaryType = 'arraybuffer';
    socket.onmessage = (event: { data: string | ArrayBuffer }) => this.received(event.data);
    socket.onclose = (event: { code: number; reason: string; wasClean: boolean }) =>
      this.finish({ code: this.meantCode ?? event.code, reason: event.reason, wasClean: event.wasClean });
    // An error event always comes with a close event, which reports the outcome (1006). The
    // handler must exist: the `ws` package throws errors nobody listens to.
    socket.onerror = ignore;
  }

  get state(): ProtocolState {
    if (this.ended) return 'closed';
    const readyState = this.socket.readyState;
    return readyState === OPEN && this.closeTimer === undefined ? 'open' : readyState <= CLOSING ? 'closing' : 'closed';
  }

  get bufferedAmount(): number {
    return this.ended ? 0 : this.socket.bufferedAmount;
  }

  sendText(text: string): void {
    this.socket.send(text);
    this.watchBuffer();
  }

  sendBinary(bytes: Uint8Array): void {
    this.socket.send(bytes);
    this.watchBuffer();
  }

  close(code: number, reason: string): void {
    if (this.ended || this.closeTimer !== undefined) return;
    if (!isBrowserCloseCode(code)) this.meantCode = code;
    this.socket.close(isBrowserCloseCode(code) ? code : CLOSE_NORMAL, reason);
    // RFC 6455 §7.1.1 leaves the wait for the server's answer to us; the browser's own wait can
    // be long, and `close()` should resolve in bounded time.
    this.closeTimer = setTimeout(() => {
      this.closeTimer = undefined;
      this.finish({ code: CLOSE_ABNORMAL, reason: '', wasClean: false });
    }, this.closeWaitMs);
  }

  fail(code: number, reason: string): void {
    // A script cannot fail a WebSocket in any other way than by closing it.
    this.close(code, reason);
    this.meantCode = code;
  }

  flush(): void {
    // The browser writes at once; nothing is batched here.
  }

  whenFlushed(): Promise<void> {
    if (this.ended || this.socket.bufferedAmount === 0) return Promise.resolve();
    return new Promise((resolve) => {
      (this.flushWaiters ??= []).push(resolve);
      this.watchBuffer();
    });
  }

  /** A message: binaryType 'arraybuffer' makes binary ones ArrayBuffers (some WebSocket classes
   *  outside browsers hand over views, which toBytes takes too). */
  private received(data: string | ArrayBuffer): void {
    if (this.ended) return;
    if (typeof data === 'string') this.listener.onText(data);
    else this.listener.onBinary(toBytes(data));
  }

  /** Looks at `bufferedAmount` until it is 0, then releases the waiters and reports a drain.
   *  One timer per connection, only while bytes are buffered: first at once, then backing off
   *  to MAX_POLL_MS. */
  private watchBuffer(): void {
    if (this.pollTimer !== undefined || this.ended) return;
    this.pollTimer = setTimeout(poll, this.pollDelayMs, this);
  }

  /** @internal One look at `bufferedAmount` (see watchBuffer). */
  poll(): void {
    this.pollTimer = undefined;
    if (this.ended) return;
    if (this.socket.bufferedAmount > 0) {
      this.pollDelayMs = Math.min(MAX_POLL_MS, Math.max(1, this.pollDelayMs * 2));
      this.watchBuffer();
      return;
    }
    this.pollDelayMs = 0;
    this.releaseWaiters();
    this.listener.onDrain();
  }

  private releaseWaiters(): void {
    const waiters = this.flushWaiters;
    this.flushWaiters = undefined;
    if (waiters !== undefined) for (const resolve of waiters) resolve();
  }

  private finish(info: CloseInfo): void {
    if (this.ended) return;
    this.ended = true;
    if (this.closeTimer !== undefined) clearTimeout(this.closeTimer);
    if (this.pollTimer !== undefined) clearTimeout(this.pollTimer);
    this.closeTimer = undefined;
    this.pollTimer = undefined;
    // Nothing more comes from this socket (after a close timeout the browser may still report
    // a late close: it is ignored).
    this.socket.onmessage = null;
    this.socket.onclose = null;
    this.releaseWaiters();
    this.listener.onClosed(info);
  }
}

function poll(transport: BrowserTransport): void {
  transport.poll();
}

function ignore(): void {}

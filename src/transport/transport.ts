import type { ProtocolError } from '../errors';
import type { CloseInfo, ProtocolState } from '../protocol/protocol-types';

/**
 * @internal What the RxJS connection needs from whatever carries its messages. One interface,
 * several implementations, so the same `messages$`, backlog, backpressure and closing code serves
 * each of them:
 * - `SocketTransport` (Node): the RFC 6455 protocol core on a byte stream (a `net.Socket` or a
 *   TLS socket after an HTTP/1.1 upgrade). The interface asks for nothing a socket has and a
 *   Duplex lacks, so the core on an HTTP/2 stream (RFC 8441, an `Http2Stream`) fits here too;
 * - `BrowserTransport`: the platform's WHATWG `WebSocket`, which does the framing itself.
 *
 * No Node or RxJS import here: the browser entry uses this file.
 */
export interface Transport {
  /** 'open' until a close frame is sent or received, 'closing' until the stream has closed,
   *  then 'closed'. */
  readonly state: ProtocolState;
  /** Outgoing bytes not yet handed to the network (ours plus the platform's buffer). */
  readonly bufferedAmount: number;
  /** Sends one text message (the caller checked that the state is 'open'). */
  sendText(text: string): void;
  /** Sends one binary message; the bytes must not change until they are written. */
  sendBinary(bytes: Uint8Array): void;
  /** Starts the closing handshake with a code the caller validated (RFC 6455 §7.1.2). */
  close(code: number, reason: string): void;
  /** Fails the connection from this side with `code` (RFC 6455 §7.1.7): 1008, 1011, ... */
  fail(code: number, reason: string): void;
  /** Writes what is batched now instead of at the end of the turn. */
  flush(): void;
  /** Resolves once everything written so far has been handed to the network (or the
   *  connection has closed). */
  whenFlushed(): Promise<void>;
}

/** @internal A transport that can stop reading for backpressure (the Node socket; a browser's
 *  WebSocket cannot, so the browser transport has no such methods to carry). */
export interface PausableTransport extends Transport {
  /** Stops reading for backpressure. */
  pause(): void;
  /** Reads again after `pause()`. */
  resume(): void;
}

/** @internal What every transport reports upward, to the RxJS connection. */
export interface TransportListener {
  onText(text: string): void;
  onBinary(data: Uint8Array): void;
  /** Last call: the connection has closed, how and why. */
  onClosed(info: CloseInfo): void;
  /** The outgoing buffer has drained. */
  onDrain(): void;
}

/** @internal What a transport that runs the protocol core itself (the Node socket) also reports:
 *  what a browser's WebSocket keeps to itself (pongs, the peer's protocol errors in detail). */
export interface FramingTransportListener extends TransportListener {
  onPong(data: Uint8Array): void;
  /** Where messages can be received as they arrive (the Node socket transport, with its
   *  `streamThresholdBytes` option, which requires these three): a message at or over the
   *  threshold begins; its bytes follow through onMessageChunk, then onMessageEnd. */
  onMessageStart?(binary: boolean): void;
  onMessageChunk?(data: Uint8Array): void;
  onMessageEnd?(): void;
  onProtocolError(error: ProtocolError): void;
  /** Bytes of received messages waiting for a subscriber (a server's read budget counts them). */
  readonly heldBacklogBytes?: number;
}

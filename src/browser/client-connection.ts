import { UsageError } from '../errors';
import { CLOSE_NORMAL, isValidWireCloseCode } from '../protocol/close-code';
import type { CloseMessage } from '../rx/message';
import { ReactiveConnection } from '../rx/reactive-connection';
import { BrowserTransport, isBrowserCloseCode, type WebSocketLike } from '../transport/browser-transport';
import type { ClientOptions } from './client-options';

/**
 * One WebSocket connection in a browser, as RxJS: the same surface as a Node `ClientConnection`
 * (`messages$` ending with the `close` message, `sink`, `send()`, `waitForMessage()`, `close()`,
 * `closed$`, `bufferedAmount`, `drain$`, `errors$`, `localCloseCode`) on the browser's own
 * WebSocket. Binary messages arrive as `Uint8Array`s.
 *
 * What a browser cannot do is not here: `ping()` (no pong ever arrives either), `fail()`,
 * `terminate()`, `pause()`/`resume()` (messages that arrive before you subscribe are kept until
 * you do), fragmentation (`sendStream`, `fragmentBytes`), and the handshake's headers
 * (`request`, `response`). `close()` takes only 1000 and 3000-4999, as the browser does.
 */
export class ClientConnection<TData = unknown> extends ReactiveConnection<TData> {
  /** The URL the browser connected to. */
  declare readonly url: string;
  /** The extensions the server agreed to, as the browser reports them (e.g. permessage-deflate). */
  declare readonly extensions: string;

  /** @internal */
  declare protected transport: BrowserTransport;
  private localCode: number | undefined;

  /** @internal Made by `connect()` once the socket is open. */
  constructor(socket: WebSocketLike, url: string, options: ClientOptions, data: TData) {
    // The options carry the limits the shared layers read (maxBufferedBytes, backpressure).
    // Reading cannot pause in a browser, so the backlog has no byte limit.
    super(options, socket.protocol === '' ? undefined : socket.protocol, data);
    this.url = url;
    this.extensions = socket.extensions;
    this.transport = new BrowserTransport(socket, options.closeTimeoutMs, this);
  }

  /**
   * The close code this side asked for when it started the close (`close()`, `sink.complete()`,
   * `sink.error()`); undefined when the server closed first, the network dropped, or the
   * outbound cap closed it (then the close message says 1008). `reconnect()` reads it to tell
   * a close you asked for from one the server chose.
   */
  get localCloseCode(): number | undefined {
    return this.localCode;
  }

  /**
   * Starts the closing handshake and resolves with the close event once the connection has
   * closed (at most `closeTimeoutMs` after the close frame: then it reports 1006). A browser
   * sends only 1000 and 3000-4999; any other code, or a reason over 123 UTF-8 bytes, throws a
   * UsageError.
   */
  override close(code: number = CLOSE_NORMAL, reason = ''): Promise<CloseMessage> {
    if (Number.isInteger(code) && isValidWireCloseCode(code) && !isBrowserCloseCode(code)) {
      throw new UsageError('invalid_close_code', `close code ${code} may not be sent from a browser: use 1000 or 3000-4999`);
    }
    return super.close(code, reason); // throws UsageError for a bad code or reason
  }

  /** @internal This side started the close (`close()`, `sink.complete()`, `sink.error()`; a code
   *  a browser cannot send went out as 1000, see BrowserTransport): `localCloseCode`. */
  protected override closeSent(code: number): void {
    this.localCode ??= code;
  }
}

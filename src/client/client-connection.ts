import { CloseCode } from '../protocol/close-code';
import { Connection } from '../rx/connection';
import { sinkErrorCode } from '../rx/sink-error-code';

/**
 * A client-side Connection that also remembers whether this program started the close, and with
 * which code. `reconnect` needs that: a 1000 we asked for means "stop", a 1000 the server sent
 * means "the server ended this session" (retried), and a close we started is judged by the code
 * we sent, not by whatever the server echoed (some servers answer with an empty close, 1005).
 */
export class ClientConnection<TData = unknown> extends Connection<TData> {
  private localCode: number | undefined;

  /**
   * The close code this side asked for when it started the close (`close()`, `sink.complete()`,
   * `sink.error()`, `fail()`, or 1006 for `terminate()`); undefined when the server closed
   * first, the network dropped, or the protocol core failed the connection on a peer fault.
   */
  get localCloseCode(): number | undefined {
    return this.localCode;
  }

  /** As `Connection.close`, and records `code` as `localCloseCode` when this call starts the
   *  close. */
  override close(code: number = CloseCode.Normal, reason = ''): ReturnType<Connection<TData>['close']> {
    const wasOpen = this.state === 'open';
    const result = super.close(code, reason); // throws UsageError for a bad code or reason
    if (wasOpen && this.localCode === undefined) this.localCode = code;
    return result;
  }

  /** As `Connection.fail`, and records `code` as `localCloseCode` when this call starts the
   *  close. */
  override fail(code: number, reason = ''): void {
    const wasOpen = this.state === 'open';
    super.fail(code, reason); // throws UsageError for a bad code or reason
    if (wasOpen && this.localCode === undefined) this.localCode = code;
  }

  /** @internal `sink.error()`. */
  override sinkError(error: unknown): void {
    this.markLocal(sinkErrorCode(error));
    super.sinkError(error);
  }

  /** @internal `sink.complete()`. */
  override sinkComplete(): void {
    this.markLocal(CloseCode.Normal);
    super.sinkComplete();
  }

  /** As `Connection.terminate`, and records 1006 as `localCloseCode` when the connection was
   *  still open. */
  override terminate(): void {
    this.markLocal(CloseCode.Abnormal);
    super.terminate();
  }

  /** Records `code` if the connection is still open, i.e. this call is what starts the close. */
  private markLocal(code: number): void {
    if (this.localCode === undefined && this.state === 'open') this.localCode = code;
  }
}

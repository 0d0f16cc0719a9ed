import { sameBytes } from './same-bytes';

/** The `heartbeat` option: detects dead peers (a silent network, a peer that vanished) by
 *  pinging after silence. Each connection has its own, which stops when the connection closes,
 *  so none survives a reconnect. */
export interface HeartbeatOptions {
  /** Milliseconds of inbound silence after which we ping (any message, ping or pong resets it). */
  intervalMs: number;
  /** Milliseconds a ping may go unanswered before the connection is terminated: `messages$`
   *  then ends with a `close` message with code 1006. */
  timeoutMs: number;
}

export interface HeartbeatHost {
  sendPing(payload: Uint8Array): void;
  terminate(): void;
}

/**
 * Detects dead peers with one timer per connection. Inbound traffic only sets a flag (no timer
 * work per message); the timer looks at the flag when it fires, so a ping goes out after between
 * one and two intervals of silence. Only the pong that echoes our own ping, or data, answers it:
 * unsolicited and mismatched pongs do not, so a peer cannot keep a dead connection alive with
 * pongs it sends on its own.
 */
export class Heartbeat {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private sawTraffic = false;
  private outstanding: Uint8Array | undefined;
  private seq = 0;

  constructor(
    private readonly options: HeartbeatOptions,
    private readonly host: HeartbeatHost,
  ) {
    this.arm(options.intervalMs);
  }

  /** Any inbound data frame is a sign of life. */
  traffic(): void {
    this.sawTraffic = true;
  }

  pong(payload: Uint8Array): void {
    const sent = this.outstanding;
    if (sent !== undefined && sameBytes(sent, payload)) {
      this.sawTraffic = true;
      // Answered: nothing to keep until the timer fires (it then goes on as after any traffic).
      this.outstanding = undefined;
    }
  }

  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(ms: number): void {
    // A shared function and this as its argument, not a closure (and its context) per connection.
    this.timer = setTimeout(fireHeartbeat, ms, this);
  }

  /** @internal The timer's callback (see fireHeartbeat). */
  fire(): void {
    this.timer = undefined;
    if (this.outstanding !== undefined && !this.sawTraffic) {
      this.host.terminate();
      return;
    }
    if (this.outstanding === undefined && !this.sawTraffic) {
      const payload = new Uint8Array(8);
      new DataView(payload.buffer).setFloat64(0, ++this.seq);
      this.outstanding = payload;
      this.host.sendPing(payload);
      this.arm(this.options.timeoutMs);
      return;
    }
    this.sawTraffic = false;
    this.outstanding = undefined;
    this.arm(this.options.intervalMs);
  }
}

function fireHeartbeat(heartbeat: Heartbeat): void {
  heartbeat.fire();
}

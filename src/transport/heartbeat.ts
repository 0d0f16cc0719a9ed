import { sameBytes } from './same-bytes';

/** Heartbeat settings: off unless both are given (RELIABILITY 43-45). */
export interface HeartbeatOptions {
  /** Inbound silence after which we ping. */
  intervalMs: number;
  /** How long a ping may go unanswered before the connection is terminated (1006). */
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
 * unsolicited and mismatched pongs do not (RELIABILITY 44).
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
    if (sent !== undefined && sameBytes(sent, payload)) this.sawTraffic = true;
  }

  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(ms: number): void {
    this.timer = setTimeout(() => this.fire(), ms);
  }

  private fire(): void {
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

import { RxwsError } from '../errors';

/**
 * A message could not be handed to the bus (the engine is unreachable, or the bus is closed). It
 * reached this server's own members and no other server's: delivery across servers is at most
 * once, and nothing is queued for later. Reported on the bus's and the server's `errors$`;
 * `code` is `'bus_publish_failed'`.
 */
export class BusPublishError extends RxwsError {
  /** @internal The name as text, which minifiers keep (they rename classes). */
  static override readonly errorName: string = 'BusPublishError';
  /**
   * Made by rxws's buses; a `Bus` of your own reports (or rejects with) one for each message it
   * could not publish, as the `Bus` contract asks.
   * @param channel - the bus channel the message was meant for
   * @param cause - why: the engine's error, or `'closed'` / `'disconnected'` when the bus did not
   *   try
   */
  constructor(
    /** The bus channel the message was meant for. */
    readonly channel: string,
    /** Why it failed: the engine's error (e.g. a node-redis `ClientClosedError`), or the string
     *  `'closed'` (published after `close()`) or `'disconnected'` (the engine was unreachable, so
     *  the bus did not try). */
    override readonly cause?: unknown,
  ) {
    super('bus_publish_failed', `a message for bus channel '${channel}' could not be published; other servers did not get it`);
  }
}

/**
 * The bus lost its connection to its engine (or could not make one). Reported once per outage;
 * the bus reconnects with backoff by itself and resubscribes every channel it had. `code` is
 * `'bus_disconnected'`.
 */
export class BusConnectionError extends RxwsError {
  /** @internal The name as text, which minifiers keep (they rename classes). */
  static override readonly errorName: string = 'BusConnectionError';
  /**
   * Made by rxws's buses; a `Bus` of your own reports one on `errors$` when its engine goes away.
   * @param message - the human-readable message (lowercase, no secrets such as a password in a URL)
   * @param cause - the engine's error, when there is one
   */
  constructor(
    message: string,
    /** The engine's own error (e.g. node-redis's socket error: its `code` is `'ECONNREFUSED'`,
     *  `'ECONNRESET'`...), or undefined when the bus noticed by other means (a closed IPC channel). */
    override readonly cause?: unknown,
  ) {
    super('bus_disconnected', message);
  }
}

/**
 * A message on a bus channel that rxws could not read (another application publishing on the same
 * channels, a newer wire version, truncated bytes). It was ignored. The message never echoes the
 * bytes it got. Reported on the server's `errors$`; `code` is `'bus_bad_message'`.
 */
export class BusMessageError extends RxwsError {
  /** @internal The name as text, which minifiers keep (they rename classes). */
  static override readonly errorName: string = 'BusMessageError';
  /**
   * Made by the server's bus link when it cannot read a message; exported for `instanceof`.
   * @param reason - why it was rejected, e.g. `'unknown version 9'`
   */
  constructor(
    /** Why it was rejected, e.g. 'unknown version 9', 'truncated header'. */
    readonly reason: string,
  ) {
    super('bus_bad_message', `ignored an unreadable bus message: ${reason}`);
  }
}

/**
 * `topic.count()` did not hear from every server that holds members of the topic within its time
 * limit; the count it resolved with leaves those servers out. Reported on the server's `errors$`
 * (the promise still resolves); `code` is `'count_timeout'`.
 */
export class CountTimeoutError extends RxwsError {
  /** @internal The name as text, which minifiers keep (they rename classes). */
  static override readonly errorName: string = 'CountTimeoutError';
  /**
   * Made by `topic.count()` when its time limit is reached; exported for `instanceof`.
   * @param topic - the topic that was counted
   * @param missing - how many servers did not answer (0 when the bus never confirmed the request)
   * @param timeoutMs - the time limit that was reached
   */
  constructor(
    /** The name of the topic that was counted. */
    readonly topic: string,
    /** How many servers did not answer (0 when the bus did not even confirm that the request was
     *  published in time, so it is unknown how many were asked). */
    readonly missing: number,
    /** The limit that was reached, in milliseconds (`count({ timeoutMs })`, default 1,000). */
    readonly timeoutMs: number,
  ) {
    super('count_timeout', `${missing} server(s) did not answer a member count for topic '${topic}' within ${timeoutMs} ms; the count leaves them out`);
  }
}

import { RxwsError } from '../errors';

/**
 * A message could not be handed to the bus (the engine is unreachable, or the bus is closed). It
 * reached this server's own members and no other server's: delivery across servers is at most
 * once, and nothing is queued for later. Reported on the bus's and the server's `errors$`.
 */
export class BusPublishError extends RxwsError {
  constructor(
    /** The bus channel the message was meant for. */
    readonly channel: string,
    override readonly cause?: unknown,
  ) {
    super('bus_publish_failed', `a message for bus channel '${channel}' could not be published; other servers did not get it`);
  }
}

/**
 * The bus lost its connection to its engine (or could not make one). Reported once per outage;
 * the bus reconnects with backoff by itself and resubscribes every channel it had.
 */
export class BusConnectionError extends RxwsError {
  constructor(
    message: string,
    override readonly cause?: unknown,
  ) {
    super('bus_disconnected', message);
  }
}

/**
 * A message on a bus channel that rxws could not read (another application publishing on the same
 * channels, a newer wire version, truncated bytes). It was ignored. The message never echoes the
 * bytes it got.
 */
export class BusMessageError extends RxwsError {
  constructor(
    /** Why it was rejected, e.g. 'unknown version 9', 'truncated header'. */
    readonly reason: string,
  ) {
    super('bus_bad_message', `ignored an unreadable bus message: ${reason}`);
  }
}

/**
 * `topic.count()` did not hear from every server that holds members of the topic within its time
 * limit; the count it resolved with leaves those servers out.
 */
export class CountTimeoutError extends RxwsError {
  constructor(
    readonly topic: string,
    /** How many servers did not answer. */
    readonly missing: number,
    readonly timeoutMs: number,
  ) {
    super('count_timeout', `${missing} server(s) did not answer a member count for topic '${topic}' within ${timeoutMs} ms; the count leaves them out`);
  }
}

import type { Observable } from 'rxjs';
import type { RxwsError } from '../errors';

/**
 * Receives every message published on a channel the listener is subscribed to, as the bytes
 * that were published. The bytes may be a view of the engine's read buffer: copy what you keep
 * past the call.
 */
export type BusListener = (message: Uint8Array) => void;

/**
 * What connects one server's topics to the same topics on other servers: publish bytes on a
 * named channel, and receive what any process on the same bus publishes on the channels you
 * subscribe to. rxws ships three: `memoryBus` (one process, for tests), `clusterBus` (the worker
 * processes of one `node:cluster`, over their IPC channel) and `redisBus` (many machines, from
 * `@rxws/rxws/redis`). Write your own for another engine by implementing these members.
 *
 * The contract, which the topic layer relies on:
 * - Delivery is at most once. A message published while the engine is unreachable is not kept
 *   for later: `publish` reports it on `errors$` (a `BusPublishError`) and drops it.
 * - Messages that one bus publishes on one channel reach every subscriber in the order they were
 *   published.
 * - A message reaches every subscriber of the channel on every process, this process included
 *   (the topic layer drops its own messages by their origin).
 * - Nothing an engine receives may throw into the caller: failures go to `errors$`.
 * - Request/reply: `publishCounted` tells how many subscribers a message reached. A requester
 *   publishes a request on a channel and waits for that many replies on its own channel, so a
 *   process that has died (and so has no subscription) is never waited for.
 *
 * A bus serves one server: the server subscribes and unsubscribes its channels as topics gain
 * and lose local members, and closes the bus when it closes.
 */
export interface Bus {
  /**
   * The bus's own failures: connection lost (`BusConnectionError`), a message that could not be
   * published (`BusPublishError`). A server forwards them to its `errors$`. Hot; completes when
   * the bus is closed.
   */
  readonly errors$: Observable<RxwsError>;

  /**
   * Sends `message` to every subscriber of `channel` on every process on the bus. Never throws
   * for the engine's faults and never waits: a message that cannot be handed to the engine is
   * reported on `errors$` and dropped. The bytes are read before it returns or copied.
   */
  publish(channel: string, message: Uint8Array): void;

  /**
   * Like `publish`, and resolves with the number of subscribers the message was delivered to
   * (`undefined` when the engine cannot tell). Rejects when the message could not be published.
   * Used for requests that every subscriber answers (counting a topic's members).
   */
  publishCounted(channel: string, message: Uint8Array): Promise<number | undefined>;

  /**
   * Calls `listener` with every message published on `channel` from now on. Resolves once the
   * engine has confirmed the subscription (messages published after that are received). While
   * the engine is unreachable, the subscription is made when it is back; it lasts across
   * reconnections until `unsubscribe`. Subscribing the same listener twice has no extra effect.
   */
  subscribe(channel: string, listener: BusListener): Promise<void>;

  /** Stops calling `listener` for `channel`; the engine subscription ends with its last listener. */
  unsubscribe(channel: string, listener: BusListener): void;

  /**
   * Ends every subscription and the bus's connections (not those of a client you passed in),
   * completes `errors$`, and resolves when done. Publishing afterwards is reported, not thrown.
   */
  close(): Promise<void>;
}

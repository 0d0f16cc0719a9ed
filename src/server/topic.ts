import type { Subscription } from 'rxjs';
import { RxwsError, UsageError } from '../errors';
import type { Connection } from '../rx/connection';
import type { OutgoingMessage } from '../rx/message';
import type { TopicRegistry } from './topic-registry';

/** Options for `Topic.publish`, `publishTo` and `Route.broadcast`. */
export interface PublishOptions {
  /** A connection that does not get this message, typically its sender. */
  except?: Connection<any> | undefined;
}

/**
 * A named group of this server's connections, made by `server.topic(name)`: what is published to
 * it goes to every member, the frame encoded once (and compressed once per permessage-deflate
 * setting), each socket under its own backpressure policy.
 *
 * A Topic is a handle on the name: handles of the same name on the same server are the same
 * topic, and one kept while the topic is empty keeps working. While a topic has members,
 * `server.topic(name)` returns the same handle.
 *
 * Order: each connection receives messages in the order in which the `sink.next`, `send` and
 * `publish` calls that reach it were made. A publish goes to the members at the moment of the
 * call: one who leaves just after still gets it, one who joins just after does not.
 */
export class Topic {
  /** The topic's name, as given to `server.topic`. */
  readonly name: string;
  private readonly registry: TopicRegistry;

  /** @internal Made by the server's topic registry (`server.topic(name)`). */
  constructor(name: string, registry: TopicRegistry) {
    this.name = name;
    this.registry = registry;
    this.publish = (message, options) => registry.publish(name, message, options);
  }

  /** This server's connections that are members now: a live view while the topic has members
   *  (read it again rather than keeping it; do not mutate). */
  get members(): ReadonlySet<Connection<any>> {
    return this.registry.membersOf(this.name);
  }

  /** How many of this server's connections are members. */
  get size(): number {
    return this.registry.membersOf(this.name).size;
  }

  /**
   * Makes `connection` a member: it receives what is published here until the returned
   * Subscription is unsubscribed or the connection closes (it leaves every topic before its
   * `messages$` emits `close`). Joining again while a member returns the same Subscription: it
   * is one membership. Joining a connection that has closed does nothing and returns a closed
   * Subscription. Throws a UsageError for a connection that is not one of this server's (a
   * client connection, or another server's).
   */
  join(connection: Connection<any>): Subscription {
    return this.registry.join(this, connection);
  }

  /**
   * Sends a text (string) or binary message to every member but `options.except`; returns how
   * many members it was written to (those skipped by their backpressure policy, or closing, are
   * not counted). A member over its `maxBufferedBytes` meets its own policy after every other
   * member was served: with 'drop' the message is dropped, with 'close' it is failed with 1008;
   * either is reported as a PublishDropError on `server.errors$` (and on the member's
   * `errors$`). Bound, so `subscribe(topic.publish)` works. Throws a UsageError for a value that
   * is not a string, an ArrayBuffer or a view of one.
   *
   * With a server `bus`, the message also goes to the topic's members on every other server,
   * where it is encoded once for all of them; the count returned is this server's. Across
   * servers delivery is at most once: what cannot reach the bus is reported on `server.errors$`
   * (a `BusPublishError`) while this server's members still get it (docs/delivery-guarantees.md).
   */
  readonly publish: (message: OutgoingMessage, options?: PublishOptions) => number;

  /**
   * Counts the topic's members on every server on the server's `bus` (just this server's
   * without one). Servers with members that do not answer within `timeoutMs` (default 1,000) are
   * left out and reported as a `CountTimeoutError` on `server.errors$`; a server that has died is
   * not waited for. While the bus is down it resolves with this server's count and reports the
   * bus. Never rejects.
   */
  count(options?: { timeoutMs?: number }): Promise<number> {
    const timeoutMs = options?.timeoutMs;
    if (timeoutMs !== undefined && !(Number.isInteger(timeoutMs) && timeoutMs >= 1 && timeoutMs <= 2_147_483_647)) {
      throw new UsageError('bad_option', 'count option timeoutMs must be a positive integer');
    }
    return this.registry.count(this.name, timeoutMs);
  }
}

/** A topic member was not reading fast enough for a publish: its backpressure policy applied. */
export class PublishDropError extends RxwsError {
  /** @internal The name as text, which minifiers keep (they rename classes). */
  static override readonly errorName: string = 'PublishDropError';
  /** The topic's name. */
  readonly topic: string;
  /** The member that missed the message. */
  readonly connection: Connection<any>;
  /** True when its policy ('close') failed the connection with 1008; false when the message was
   *  dropped ('drop') and the connection stays open. */
  readonly closed: boolean;

  /** @internal Made by a publish that met a member's backpressure policy. */
  constructor(topic: string, connection: Connection<any>, closed: boolean) {
    super(
      'publish_dropped',
      closed ? 'a topic member was closed with 1008: it is not reading fast enough' : 'a message for a topic member was dropped: it is not reading fast enough',
    );
    this.topic = topic;
    this.connection = connection;
    this.closed = closed;
  }
}

import { Subscription, type Observer } from 'rxjs';
import { UsageError, type RxwsError } from '../errors';
import type { Connection } from '../rx/connection';
import type { OutgoingMessage } from '../rx/message';
import { toBytes } from '../rx/to-bytes';
import { BroadcastFrames } from './broadcast-frames';
import { deliverFrames, type DropListener } from './deliver-frames';
import { PublishDropError, Topic, type PublishOptions } from './topic';
import type { Bus } from '../bus/bus';
import { BusLink, type LocalTopics } from '../bus/bus-link';

/** The members of a topic that has some; a topic without members has no entry at all. */
class TopicMembers implements DropListener {
  readonly members = new Set<Connection<any>>();

  constructor(
    readonly name: string,
    /** The handle `server.topic(name)` returns while the topic has members. */
    readonly handle: Topic,
    private readonly errors: Observer<RxwsError>,
  ) {}

  memberDropped(connection: Connection<any>, closed: boolean): void {
    this.errors.next(new PublishDropError(this.name, connection, closed));
  }
}

/** A closed Subscription: what joining a closed connection returns. */
const CLOSED = Subscription.EMPTY;
/** The members of a topic without any (a new Set each time: nobody can fill a shared one). */
const noMembers = (): ReadonlySet<Connection<any>> => new Set();

/**
 * @internal One server's topics, by name. Only topics with members have an entry, so a million
 * one-off names cost nothing once left. Each connection keeps its own memberships
 * (`Connection.memberships`, for `conn.topics`); unsubscribing one is the one way out of a
 * topic, whoever asks, and `connectionClosed` unsubscribes them all.
 *
 * Publishing is two steps, kept apart for buses that will bring messages from other servers:
 * encode once (`BroadcastFrames`), then `deliver` the frames to this server's members.
 */
export class TopicRegistry implements LocalTopics {
  private readonly topics = new Map<string, TopicMembers>();
  /** The bus to other servers, when the server has one. */
  private link: BusLink | undefined;
  /** Ids for members named as `except` in a publish that crosses the bus (the wire names them). */
  private exceptIds: WeakMap<Connection<any>, number> | undefined;
  private lastExceptId = 0;

  constructor(
    /** The server's open connections: a topic takes only these. */
    private readonly open: ReadonlySet<Connection<any>>,
    /** The server's `errors$`, where publish drops are reported. */
    private readonly errors: Observer<RxwsError>,
  ) {}

  topic(name: string): Topic {
    if (typeof name !== 'string') throw new UsageError('bad_topic', 'a topic name is a string');
    return this.topics.get(name)?.handle ?? new Topic(name, this);
  }

  membersOf(name: string): ReadonlySet<Connection<any>> {
    return this.topics.get(name)?.members ?? noMembers();
  }

  join(topic: Topic, connection: Connection<any>): Subscription {
    if (connection.state === 'closed') return CLOSED;
    if (!this.open.has(connection)) {
      throw new UsageError('foreign_connection', "a topic's members are connections of its own server");
    }
    const name = topic.name;
    const current = connection.memberships?.get(name);
    if (current !== undefined) return current;
    let entry = this.topics.get(name);
    if (entry === undefined) {
      this.topics.set(name, (entry = new TopicMembers(name, topic, this.errors)));
      // Other servers' messages for this topic are wanted only while it has members here.
      this.link?.watch(name);
    }
    entry.members.add(connection);
    const membership = new Subscription(() => this.leave(name, connection, membership));
    (connection.memberships ??= new Map()).set(name, membership);
    return membership;
  }

  publish(name: string, message: OutgoingMessage, options: PublishOptions | undefined): number {
    const except = options?.except;
    const link = this.link;
    // Encoded for the bus before anything is delivered here: a value or a topic name the bus
    // cannot carry throws with no member reached, rather than after this server's members have it.
    const busBytes = link?.encode(name, typeof message === 'string' ? message : toBytes(message), except === undefined ? 0 : this.exceptIdOf(except));
    let sent = 0;
    if (!this.topics.has(name)) {
      // Nobody to send to here, but a bad value is still a bug to report at once.
      if (link === undefined && typeof message !== 'string') toBytes(message);
    } else sent = this.deliver(name, new BroadcastFrames(message), except);
    // Handed to the bus after the local delivery, so what a callback on errors$ publishes (it may
    // be told of a failed bus publish at once) reaches local members after this message.
    if (busBytes !== undefined) link!.send(name, busBytes);
    return sent;
  }

  /** Joins these topics to the same topics on other servers (the server's `bus` option). */
  connect(bus: Bus): void {
    this.link = new BusLink(bus, this, (error) => this.errors.next(error));
  }

  /** Members of `name` here, plus those on every other server on the bus (see `Topic.count`). */
  count(name: string, timeoutMs: number | undefined): Promise<number> {
    return this.link !== undefined ? this.link.count(name, timeoutMs) : Promise.resolve(this.membersOf(name).size);
  }

  /** Ends the bus link (and closes the bus) when the server closes. */
  close(): Promise<void> {
    return this.link?.close() ?? Promise.resolve();
  }

  /** A message another server published: to this server's members, encoded once. */
  deliverFromBus(topic: string, binary: boolean, payload: Uint8Array): void {
    if (this.topics.has(topic)) this.deliver(topic, BroadcastFrames.ofPayload(binary, payload), undefined);
  }

  localCount(topic: string): number {
    return this.membersOf(topic).size;
  }

  private exceptIdOf(connection: Connection<any>): number {
    const ids = (this.exceptIds ??= new WeakMap());
    let id = ids.get(connection);
    if (id === undefined) {
      this.lastExceptId = this.lastExceptId >= 0xffffffff ? 1 : this.lastExceptId + 1;
      ids.set(connection, (id = this.lastExceptId));
    }
    return id;
  }

  /** Frames encoded once, to this server's members of a topic: the second half of a publish, and
   *  where the bus hands in the messages published on other servers. */
  deliver(name: string, frames: BroadcastFrames, except: Connection<any> | undefined): number {
    const entry = this.topics.get(name);
    return entry === undefined ? 0 : deliverFrames(entry.members, frames, except, entry);
  }

  /** The server tells this as a connection closes, before its `close` message is emitted. */
  connectionClosed(connection: Connection<any>): void {
    const memberships = connection.memberships;
    if (memberships === undefined) return;
    connection.memberships = undefined;
    for (const membership of memberships.values()) membership.unsubscribe();
  }

  private leave(name: string, connection: Connection<any>, membership: Subscription): void {
    const memberships = connection.memberships;
    // Undefined when the connection closed: it let go of all its memberships at once.
    if (memberships !== undefined && memberships.get(name) === membership) {
      memberships.delete(name);
      if (memberships.size === 0) connection.memberships = undefined;
    }
    const entry = this.topics.get(name);
    if (entry !== undefined && entry.members.delete(connection) && entry.members.size === 0) {
      this.topics.delete(name);
      this.link?.unwatch(name);
    }
  }
}

import { randomBytes } from 'node:crypto';
import type { Subscription } from 'rxjs';
import { RxwsError, UsageError } from '../errors';
import type { Bus } from './bus';
import { BusMessageError, BusPublishError, CountTimeoutError } from './bus-errors';
import { BusKind, BusMessageReader, encodeBusPublish, encodeCountReply, encodeCountRequest, sameOrigin } from './bus-message';

/** What the link needs from the server's own topics. */
export interface LocalTopics {
  /**
   * Delivers a message another server published to this server's members of `topic`. `payload`
   * is the message's UTF-8 (text) or its bytes (binary), a view that is only valid during the call.
   */
  deliverFromBus(topic: string, binary: boolean, payload: Uint8Array): void;
  /** How many members `topic` has on this server. */
  localCount(topic: string): number;
}

/** How long `count()` waits for other servers by default. */
export const DEFAULT_COUNT_TIMEOUT_MS = 1000;

interface PendingCount {
  topic: string;
  sum: number;
  received: number;
  /** Subscribers the request reached, once the bus has said; undefined before or if it cannot tell. */
  expected: number | undefined;
  /** False until the bus confirmed the request was published. */
  published: boolean;
  timeoutMs: number;
  timer: ReturnType<typeof setTimeout>;
  resolve: (count: number) => void;
}

/** Buses already serving a server: each carries one server's subscriptions and origin. */
const attached = new WeakSet<Bus>();

/**
 * @internal Joins one server's topics to a bus. Each topic with local members has a channel
 * (`t:` + name) that the server subscribes to while it has members there, so a server receives only
 * the topics it serves, and a topic with no member anywhere costs nothing. Each server also has an
 * inbox (`s:` + its id in hex) for the replies to its count requests.
 *
 * Delivery across servers is at most once: the publishing server delivers to its own members
 * directly (even while the bus is down) and drops its own messages when the bus brings them back.
 */
export class BusLink {
  /** This server's id on the bus: random, so a restarted server is a new one. */
  readonly origin: Uint8Array = randomBytes(8);
  private readonly inbox: string;
  private readonly reader = new BusMessageReader();
  private readonly pending = new Map<number, PendingCount>();
  private readonly errors: Subscription;
  private nextRequestId = 1;
  private closed = false;

  constructor(
    private readonly bus: Bus,
    private readonly local: LocalTopics,
    private readonly report: (error: RxwsError) => void,
  ) {
    if (attached.has(bus)) throw new UsageError('bus_in_use', 'this bus already serves a server: make one bus per server');
    attached.add(bus);
    this.inbox = inboxOf(this.origin);
    this.errors = bus.errors$.subscribe({ next: report });
    bus.subscribe(this.inbox, this.onMessage).catch(report);
  }

  /** Starts receiving `topic` from other servers (its first local member joined). */
  watch(topic: string): void {
    if (!this.closed) this.bus.subscribe(channelOf(topic), this.onMessage).catch(this.report);
  }

  /** Stops receiving `topic` (its last local member left). */
  unwatch(topic: string): void {
    if (!this.closed) this.bus.unsubscribe(channelOf(topic), this.onMessage);
  }

  /**
   * Sends a message to the members of `topic` on every other server. `exceptId` is the member
   * of this server left out (0: none); other servers deliver to all their members.
   */
  publish(topic: string, message: string | Uint8Array, exceptId: number): void {
    this.send(topic, this.encode(topic, message, exceptId));
  }

  /**
   * The bytes `publish` sends, made apart so a publish can check them before it delivers anything
   * locally: throws a UsageError for a topic name longer than the header can carry.
   */
  encode(topic: string, message: string | Uint8Array, exceptId: number): Buffer {
    return encodeBusPublish(this.origin, topic, exceptId, message);
  }

  /** Hands bytes made by `encode` to the bus (nothing once the link is closed). */
  send(topic: string, bytes: Uint8Array): void {
    if (!this.closed) this.bus.publish(channelOf(topic), bytes);
  }

  /**
   * Counts the members of `topic` on every server: asks every server that holds members (they are
   * the subscribers of its channel) and adds the answers to the local count. Servers that have
   * not answered within `timeoutMs` are left out and reported with a `CountTimeoutError`.
   */
  count(topic: string, timeoutMs: number = DEFAULT_COUNT_TIMEOUT_MS): Promise<number> {
    const local = this.local.localCount(topic);
    if (this.closed) return Promise.resolve(local);
    const request = encodeCountRequest(this.origin, topic, 0);
    const id = this.nextRequestId;
    this.nextRequestId = id >= 0xffffffff ? 1 : id + 1;
    request.writeUInt32BE(id, request.length - 4);
    return new Promise<number>((resolve) => {
      const pending: PendingCount = {
        topic,
        sum: local,
        received: 0,
        expected: undefined,
        published: false,
        timeoutMs,
        timer: setTimeout(() => this.finish(id, true), timeoutMs),
        resolve,
      };
      this.pending.set(id, pending);
      this.bus.publishCounted(channelOf(topic), request).then(
        (reached) => {
          pending.published = true;
          pending.expected = reached;
          if (reached !== undefined && pending.received >= reached) this.finish(id, false);
        },
        (error: unknown) => {
          this.report(error instanceof RxwsError ? error : new BusPublishError(channelOf(topic), error));
          this.finish(id, false);
        },
      );
    });
  }

  /** Ends every subscription and pending count (they resolve with what they have); closes the bus. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const id of [...this.pending.keys()]) this.finish(id, false);
    this.bus.unsubscribe(this.inbox, this.onMessage);
    try {
      await this.bus.close();
    } finally {
      this.errors.unsubscribe();
    }
  }

  private finish(id: number, timedOut: boolean): void {
    const pending = this.pending.get(id);
    if (pending === undefined) return;
    this.pending.delete(id);
    clearTimeout(pending.timer);
    if (timedOut && pending.expected !== undefined && pending.received < pending.expected) {
      this.report(new CountTimeoutError(pending.topic, pending.expected - pending.received, pending.timeoutMs));
    } else if (timedOut && !pending.published) {
      this.report(new CountTimeoutError(pending.topic, 0, pending.timeoutMs));
    }
    pending.resolve(pending.sum);
  }

  /** One listener for every channel: never throws into the bus engine. */
  private readonly onMessage = (bytes: Uint8Array): void => {
    const reader = this.reader;
    const problem = reader.read(bytes);
    if (problem !== undefined) return this.report(new BusMessageError(problem));
    const own = sameOrigin(reader.origin, this.origin);
    try {
      switch (reader.kind) {
        case BusKind.Text:
        case BusKind.Binary:
          // The publisher delivered to its own members already (and without the bus).
          if (!own) this.local.deliverFromBus(reader.topic, reader.kind === BusKind.Binary, reader.payload);
          return;
        case BusKind.CountRequest:
          if (own) this.countEcho(reader.requestId, reader.topic);
          else if (!this.closed) {
            const reply = encodeCountReply(this.origin, reader.topic, reader.requestId, this.local.localCount(reader.topic));
            this.bus.publish(inboxOf(reader.origin), reply);
          }
          return;
        case BusKind.CountReply:
          this.countReply(reader.requestId, reader.topic, reader.count);
          return;
      }
    } catch (error) {
      this.report(error instanceof RxwsError ? error : new RxwsError('bus_delivery_failed', 'delivering a bus message to local members failed'));
    }
  };

  /** Our own request came back: we are one of the subscribers it reached, already counted. */
  private countEcho(id: number, topic: string): void {
    const pending = this.pending.get(id);
    if (pending === undefined || pending.topic !== topic) return;
    pending.received++;
    if (pending.expected !== undefined && pending.received >= pending.expected) this.finish(id, false);
  }

  private countReply(id: number, topic: string, count: number): void {
    const pending = this.pending.get(id);
    // A late reply (after the timeout) or someone else's message: nothing waits for it.
    if (pending === undefined || pending.topic !== topic) return;
    pending.sum += count;
    pending.received++;
    if (pending.expected !== undefined && pending.received >= pending.expected) this.finish(id, false);
  }
}

/** The bus channel of a topic. */
export function channelOf(topic: string): string {
  return 't:' + topic;
}

/** The bus channel where a server receives the replies to its requests. */
export function inboxOf(origin: Uint8Array): string {
  return 's:' + Buffer.from(origin.buffer, origin.byteOffset, origin.length).toString('hex');
}

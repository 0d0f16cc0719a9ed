import { Observable, type Subscriber } from 'rxjs';
import { StreamedMessage, type StreamedMessageOwner } from './streamed-message';

/** @internal How the receiver holds the connection's reading back. */
export interface StreamPausable {
  /** Stop reading (true) or let reading resume when nothing else holds it (false). */
  setStreamsPaused(paused: boolean): void;
}

/**
 * @internal A connection's messages received as streams (the `streamThresholdBytes` option):
 * makes a StreamedMessage when one begins, hands it to `streamedMessages$` subscribers (or holds
 * it until the first one comes), feeds it the bytes as the transport delivers them, and pauses
 * the connection while it must: a message waits for a subscriber, unread chunks (across
 * messages) reach `highWaterBytes` (until they are back to half of it), or a reader paused.
 * Made only for connections with the option set.
 */
export class StreamedMessageReceiver implements StreamedMessageOwner {
  readonly messages$: Observable<StreamedMessage>;
  private subscribers: Subscriber<StreamedMessage>[] = [];
  /** Messages that began while nobody subscribed, for the first subscriber. */
  private held: StreamedMessage[] | undefined;
  private current: StreamedMessage | undefined;
  private queuedBytes = 0;
  private pausedForQueue = false;
  private userPauses = 0;
  private paused = false;
  private closed = false;
  /** Handing held messages to a new subscriber: reading stays paused until it is registered. */
  private replaying = false;

  constructor(
    private readonly connection: StreamPausable,
    private readonly highWaterBytes: number,
  ) {
    this.messages$ = new Observable<StreamedMessage>((subscriber) => this.subscribe(subscriber));
  }

  /** A message at or over the threshold begins. */
  start(binary: boolean): void {
    const message = new StreamedMessage(binary ? 'binary' : 'text', this);
    this.current = message;
    const subscribers = this.subscribers.filter(isOpen);
    this.subscribers = subscribers;
    if (subscribers.length === 0) {
      (this.held ??= []).push(message);
      this.update();
      return;
    }
    for (const subscriber of subscribers) subscriber.next(message);
  }

  /** The current message's next bytes. */
  chunk(data: Uint8Array): void {
    this.current?.push(data);
  }

  /** The current message is complete. */
  end(): void {
    const message = this.current;
    this.current = undefined;
    message?.end();
  }

  /** The connection failed (a ProtocolError): the current message ends unfinished. */
  fail(error: unknown): void {
    const message = this.current;
    this.current = undefined;
    message?.fail(error);
  }

  /** The connection closed: the current message fails with `error`, subscribers complete. */
  close(error: unknown): void {
    this.fail(error);
    this.closed = true;
    const subscribers = this.subscribers;
    this.subscribers = [];
    for (const subscriber of subscribers) subscriber.complete();
  }

  queueChanged(delta: number): void {
    this.queuedBytes += delta;
    this.update();
  }

  pauseChanged(delta: number): void {
    this.userPauses += delta;
    this.update();
  }

  private subscribe(subscriber: Subscriber<StreamedMessage>): () => void {
    // Messages held for the first subscriber; one that leaves early leaves the rest held.
    const held = this.held;
    if (held !== undefined) {
      this.held = undefined;
      // The subscriber may start reading a held message right away, which can unpause reading
      // before the subscriber is registered: the replay counts as a reason to stay paused.
      this.replaying = true;
      let i = 0;
      while (i < held.length && !subscriber.closed) subscriber.next(held[i++]!);
      this.replaying = false;
      if (i < held.length) this.held = held.slice(i).concat(this.held ?? []);
    }
    if (this.closed) {
      subscriber.complete();
      return noop;
    }
    if (subscriber.closed) {
      this.update();
      return noop;
    }
    // Registered before reading resumes: the messages parsed from what was held back must reach
    // this subscriber, not be held again.
    this.subscribers.push(subscriber);
    this.update();
    return () => {
      const index = this.subscribers.indexOf(subscriber);
      if (index >= 0) this.subscribers.splice(index, 1);
    };
  }

  private update(): void {
    const queued = this.queuedBytes;
    // Hysteresis: a reader that takes one chunk at a time does not pause and resume the socket
    // for every chunk.
    if (this.pausedForQueue ? queued <= this.highWaterBytes / 2 : queued >= this.highWaterBytes) this.pausedForQueue = !this.pausedForQueue;
    const pause = this.pausedForQueue || this.userPauses > 0 || this.held !== undefined || this.replaying;
    if (pause === this.paused) return;
    this.paused = pause;
    this.connection.setStreamsPaused(pause);
  }
}

function isOpen(subscriber: Subscriber<unknown>): boolean {
  return !subscriber.closed;
}

function noop(): void {}

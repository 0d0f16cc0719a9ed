import cluster, { type Worker } from 'node:cluster';
import { Observable, Subject } from 'rxjs';
import { UsageError, type RxwsError } from '../errors';
import type { Bus, BusListener } from './bus';
import { BusConnectionError, BusPublishError } from './bus-errors';

/**
 * What goes over the cluster's IPC channel (JSON, Node's default serialization, so it works
 * whatever `cluster.setupPrimary` says). `rxwsBus` tells our messages from the application's.
 *   worker → primary  { op: 'pub', c, m, r? }  publish (r: answer with the count)
 *                     { op: 'sub', c, r }      subscribe (answered with 'ack')
 *                     { op: 'unsub', c }
 *   primary → worker  { op: 'msg', c, m }      a message on a channel it subscribes to
 *                     { op: 'ack', r }         the subscription is in place
 *                     { op: 'n', r, n }        how many subscribers a 'pub' with r reached
 * `m` is the message in base64.
 */
interface IpcMessage {
  rxwsBus: 1;
  op: 'pub' | 'sub' | 'unsub' | 'msg' | 'ack' | 'n';
  c?: string;
  m?: string;
  r?: number;
  n?: number;
}

const isBusMessage = (value: unknown): value is IpcMessage => typeof value === 'object' && value !== null && (value as IpcMessage).rxwsBus === 1;

/** A running relay in the primary; `close()` stops it (workers' buses then stop hearing each other). */
export interface ClusterBusRelay {
  /**
   * Stops relaying: the primary stops listening to its workers' bus messages and forgets their
   * subscriptions, so workers' servers no longer hear each other (each still delivers to its own
   * members; their counts then leave the other workers out). A later `clusterBusRelay()` starts a
   * new relay, which knows only the subscriptions made after it started. Never throws.
   */
  close(): void;
}

let relay: Relay | undefined;

/**
 * Starts, in the primary process of a `node:cluster`, the relay that carries the workers'
 * `clusterBus()` messages between them: one box, several cores, no extra service. Call it once
 * in the primary, before or after forking; calling it again returns the same relay. A worker that
 * exits (even by SIGKILL) loses its subscriptions at once, so counts stop including it.
 * Throws a UsageError outside the primary.
 */
export function clusterBusRelay(): ClusterBusRelay {
  if (!cluster.isPrimary) throw new UsageError('not_primary', 'clusterBusRelay() runs in the primary process; workers call clusterBus()');
  relay ??= new Relay();
  return relay;
}

/**
 * A bus between the worker processes of one `node:cluster`, over their IPC channel to the
 * primary, which relays (start it there with `clusterBusRelay()`). Give one to each worker's
 * server: `new WebSocketServer({ port: 8080, bus: clusterBus() })`. If the primary goes away,
 * publishing is reported on `errors$` and local delivery goes on. Throws a UsageError outside a
 * cluster worker.
 */
export function clusterBus(): Bus {
  if (!cluster.isWorker || typeof process.send !== 'function') {
    throw new UsageError('not_worker', 'clusterBus() runs in a node:cluster worker; the primary runs clusterBusRelay()');
  }
  return new ClusterBus();
}

/** @internal The primary side: who subscribes to what, by worker. */
class Relay implements ClusterBusRelay {
  private readonly channels = new Map<string, Set<Worker>>();
  private readonly subscribed = new Map<Worker, Set<string>>();

  constructor() {
    cluster.on('message', this.onMessage);
    cluster.on('exit', this.onExit);
  }

  close(): void {
    cluster.off('message', this.onMessage);
    cluster.off('exit', this.onExit);
    this.channels.clear();
    this.subscribed.clear();
    if (relay === this) relay = undefined;
  }

  private readonly onMessage = (worker: Worker, message: unknown): void => {
    if (!isBusMessage(message) || typeof message.c !== 'string') return;
    const channel = message.c;
    switch (message.op) {
      case 'pub': {
        if (typeof message.m !== 'string') return;
        const targets = this.channels.get(channel);
        let reached = 0;
        if (targets !== undefined) {
          const out: IpcMessage = { rxwsBus: 1, op: 'msg', c: channel, m: message.m };
          for (const target of targets) if (send(target, out)) reached++;
        }
        if (typeof message.r === 'number') send(worker, { rxwsBus: 1, op: 'n', c: channel, r: message.r, n: reached });
        return;
      }
      case 'sub': {
        let targets = this.channels.get(channel);
        if (targets === undefined) this.channels.set(channel, (targets = new Set()));
        targets.add(worker);
        let own = this.subscribed.get(worker);
        if (own === undefined) this.subscribed.set(worker, (own = new Set()));
        own.add(channel);
        if (typeof message.r === 'number') send(worker, { rxwsBus: 1, op: 'ack', c: channel, r: message.r });
        return;
      }
      case 'unsub':
        this.drop(worker, channel);
        this.subscribed.get(worker)?.delete(channel);
        return;
    }
  };

  private readonly onExit = (worker: Worker): void => {
    const own = this.subscribed.get(worker);
    if (own === undefined) return;
    this.subscribed.delete(worker);
    for (const channel of own) this.drop(worker, channel);
  };

  private drop(worker: Worker, channel: string): void {
    const targets = this.channels.get(channel);
    if (targets !== undefined && targets.delete(worker) && targets.size === 0) this.channels.delete(channel);
  }
}

function send(worker: Worker, message: IpcMessage): boolean {
  if (!worker.isConnected()) return false;
  try {
    worker.send(message, undefined, ignore);
    return true;
  } catch {
    return false;
  }
}

function ignore(): void {
  // A worker that is going away: its exit removes its subscriptions.
}

interface Waiting {
  resolve: (value: number | undefined) => void;
  reject: (error: unknown) => void;
  channel: string;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * How long a worker waits for the primary to answer a subscription or a counted publish. Without
 * a relay (never started, or closed) nothing answers: the request is given up, not kept forever.
 */
const ANSWER_TIMEOUT_MS = 5000;

/** @internal A worker's end: made by `clusterBus()`. */
export class ClusterBus implements Bus {
  readonly errors$: Observable<RxwsError>;
  private readonly errorSubject = new Subject<RxwsError>();
  private readonly channels = new Map<string, Set<BusListener>>();
  private readonly waiting = new Map<number, Waiting>();
  private nextRequest = 1;
  private closed = false;
  private reportedDown = false;
  /** True from an unanswered request until the next answer: reported once, not per request. */
  private reportedSilent = false;

  constructor() {
    this.errors$ = this.errorSubject.asObservable();
    process.on('message', this.onMessage);
    process.on('disconnect', this.onDisconnect);
  }

  publish(channel: string, message: Uint8Array): void {
    if (!this.post({ rxwsBus: 1, op: 'pub', c: channel, m: base64(message) })) this.errorSubject.next(new BusPublishError(channel, this.closed ? 'closed' : 'disconnected'));
  }

  publishCounted(channel: string, message: Uint8Array): Promise<number | undefined> {
    return this.request({ rxwsBus: 1, op: 'pub', c: channel, m: base64(message) });
  }

  subscribe(channel: string, listener: BusListener): Promise<void> {
    if (this.closed) return Promise.resolve();
    let listeners = this.channels.get(channel);
    if (listeners === undefined) this.channels.set(channel, (listeners = new Set()));
    const first = listeners.size === 0;
    listeners.add(listener);
    if (!first) return Promise.resolve();
    // The primary confirms in order; if it is gone there is nothing to wait for.
    return this.request({ rxwsBus: 1, op: 'sub', c: channel }).then(ignore, ignore);
  }

  unsubscribe(channel: string, listener: BusListener): void {
    const listeners = this.channels.get(channel);
    if (listeners === undefined || !listeners.delete(listener) || listeners.size > 0) return;
    this.channels.delete(channel);
    this.post({ rxwsBus: 1, op: 'unsub', c: channel });
  }

  close(): Promise<void> {
    if (!this.closed) {
      for (const channel of this.channels.keys()) this.post({ rxwsBus: 1, op: 'unsub', c: channel });
      this.closed = true;
      this.channels.clear();
      process.off('message', this.onMessage);
      process.off('disconnect', this.onDisconnect);
      this.rejectWaiting('closed');
      this.errorSubject.complete();
    }
    return Promise.resolve();
  }

  private request(message: IpcMessage): Promise<number | undefined> {
    const id = this.nextRequest;
    this.nextRequest = id >= Number.MAX_SAFE_INTEGER ? 1 : id + 1;
    const channel = message.c!;
    message.r = id;
    if (!this.post(message)) return Promise.reject(new BusPublishError(channel, this.closed ? 'closed' : 'disconnected'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => this.unanswered(id), ANSWER_TIMEOUT_MS);
      timer.unref();
      this.waiting.set(id, { resolve, reject, channel, timer });
    });
  }

  private unanswered(id: number): void {
    const waiting = this.waiting.get(id);
    if (waiting === undefined) return;
    this.waiting.delete(id);
    waiting.reject(new BusPublishError(waiting.channel, 'no answer from the cluster primary'));
    if (!this.reportedSilent && !this.closed) {
      this.reportedSilent = true;
      this.errorSubject.next(new BusConnectionError(`the cluster primary did not answer within ${ANSWER_TIMEOUT_MS} ms: is clusterBusRelay() running there?`));
    }
  }

  private rejectWaiting(why: string): void {
    for (const waiting of this.waiting.values()) {
      clearTimeout(waiting.timer);
      waiting.reject(new BusPublishError(waiting.channel, why));
    }
    this.waiting.clear();
  }

  private post(message: IpcMessage): boolean {
    if (this.closed || !process.connected) return false;
    try {
      process.send!(message, undefined, undefined, ignore);
      return true;
    } catch {
      return false;
    }
  }

  private readonly onMessage = (message: unknown): void => {
    if (!isBusMessage(message)) return;
    if (message.op === 'msg') {
      const listeners = typeof message.c === 'string' && typeof message.m === 'string' ? this.channels.get(message.c) : undefined;
      if (listeners === undefined) return;
      const bytes = Buffer.from(message.m!, 'base64');
      for (const listener of listeners) listener(bytes);
      return;
    }
    const waiting = typeof message.r === 'number' ? this.waiting.get(message.r) : undefined;
    if (waiting === undefined) return;
    this.waiting.delete(message.r!);
    clearTimeout(waiting.timer);
    this.reportedSilent = false;
    waiting.resolve(message.op === 'n' && typeof message.n === 'number' ? message.n : undefined);
  };

  private readonly onDisconnect = (): void => {
    this.rejectWaiting('disconnected');
    if (!this.reportedDown) {
      this.reportedDown = true;
      this.errorSubject.next(new BusConnectionError('lost the IPC channel to the cluster primary'));
    }
  };
}

function base64(message: Uint8Array): string {
  return (Buffer.isBuffer(message) ? message : Buffer.from(message.buffer, message.byteOffset, message.byteLength)).toString('base64');
}

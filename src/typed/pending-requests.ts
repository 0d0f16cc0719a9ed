import { TimeoutError, UsageError } from '../errors';

/** @internal One request waiting for its response. */
export interface PendingRequest {
  readonly id: unknown;
  resolve(response: unknown): void;
  reject(error: unknown): void;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/**
 * @internal The requests of one typed connection that wait for a response, by id. A response is
 * the first valid incoming message whose id field holds a waiting request's id. Every way a
 * request ends (response, timeout, close, cancel) goes through `take`, which clears its timer, so
 * no timer outlives its request.
 */
export class PendingRequests {
  private readonly byId = new Map<unknown, PendingRequest>();

  constructor(private readonly field: string) {}

  get size(): number {
    return this.byId.size;
  }

  /** Registers a request; after `timeoutMs` it is rejected with a TimeoutError. */
  add(id: unknown, timeoutMs: number, resolve: (response: unknown) => void, reject: (error: unknown) => void): PendingRequest {
    if (this.byId.has(id)) throw new UsageError('duplicate_request_id', `request id ${String(id)} is already waiting for a response`);
    const pending: PendingRequest = { id, resolve, reject, timer: undefined };
    pending.timer = setTimeout(() => {
      if (this.take(pending)) reject(new TimeoutError(`no response within ${timeoutMs} ms`, timeoutMs));
    }, timeoutMs);
    this.byId.set(id, pending);
    return pending;
  }

  /** Resolves the request that `message` answers; false when it answers none. */
  match(message: unknown): boolean {
    if (typeof message !== 'object' || message === null) return false;
    const id = (message as Record<string, unknown>)[this.field];
    if (id === undefined) return false;
    const pending = this.byId.get(id);
    if (pending === undefined || !this.take(pending)) return false;
    pending.resolve(message);
    return true;
  }

  /** Removes a request (answered, timed out, cancelled); false if it was no longer waiting. */
  take(pending: PendingRequest): boolean {
    if (this.byId.get(pending.id) !== pending) return false;
    this.byId.delete(pending.id);
    if (pending.timer !== undefined) clearTimeout(pending.timer);
    pending.timer = undefined;
    return true;
  }

  /** Rejects every waiting request (the connection closed). */
  rejectAll(error: unknown): void {
    const all = [...this.byId.values()];
    for (const pending of all) {
      if (this.take(pending)) pending.reject(error);
    }
  }
}

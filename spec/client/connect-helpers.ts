// Small helpers for driving connect() in real-socket tests.
import type { Observable, Subscription } from 'rxjs';
import type { ClientConnection } from '../../src/client/client-connection';

export interface Subscribed {
  /** The emitted connection. */
  opened: Promise<ClientConnection>;
  /** How the Observable ended. */
  ended: Promise<{ completed: boolean; error?: unknown }>;
  subscription: Subscription;
}

export function subscribeTo(source: Observable<ClientConnection>): Subscribed {
  let resolveOpened!: (c: ClientConnection) => void;
  let rejectOpened!: (e: unknown) => void;
  let resolveEnded!: (r: { completed: boolean; error?: unknown }) => void;
  const opened = new Promise<ClientConnection>((resolve, reject) => {
    resolveOpened = resolve;
    rejectOpened = reject;
  });
  opened.catch(() => undefined);
  const ended = new Promise<{ completed: boolean; error?: unknown }>((resolve) => (resolveEnded = resolve));
  const subscription = source.subscribe({
    next: (c) => resolveOpened(c),
    error: (error: unknown) => {
      rejectOpened(error);
      resolveEnded({ completed: false, error });
    },
    complete: () => {
      rejectOpened(new Error('completed without a connection'));
      resolveEnded({ completed: true });
    },
  });
  return { opened, ended, subscription };
}

/** Resolves with the error the Observable fails with; rejects if it emits a connection. */
export async function failureOf(source: Observable<ClientConnection>): Promise<unknown> {
  const s = subscribeTo(source);
  const first = await Promise.race([s.opened.then((c) => ({ c }), () => undefined), s.ended]);
  if (first !== undefined && 'c' in first) {
    first.c.terminate();
    throw new Error('expected the handshake to fail, but it opened');
  }
  const { error } = await s.ended;
  return error;
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` until it is true (or fails after `timeoutMs`). */
export async function eventually(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await delay(5);
  }
}

/** Deterministic payloads of a given size. */
export function bytesOf(size: number): Buffer {
  const out = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) out[i] = (i * 31 + 7) & 0xff;
  return out;
}

export function textOf(size: number): string {
  // ASCII and a 3-byte character, so the UTF-8 paths are exercised; exactly `size` bytes.
  const unit = 'abcdefghij€';
  const whole = unit.repeat(Math.floor(size / 13));
  return whole + 'x'.repeat(size - Buffer.byteLength(whole));
}

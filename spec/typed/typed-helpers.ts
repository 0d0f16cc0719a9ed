// Plumbing for the typed specs: a real server/client connection pair on 127.0.0.1, and
// hand-written Standard Schema objects (no library) for the shapes the specs use.
import type { Observable } from 'rxjs';
import { openConnection, type ClientConnection, type Connection, type StandardSchemaV1, type StandardSchemaV1Issue } from '../../src';
import { Resources } from '../helpers/harness';

export interface Pair {
  server: Connection;
  client: ClientConnection;
}

/** Opens connection pairs and closes all of them (and their servers) in `dispose()`. */
export class Pairs {
  private readonly resources = new Resources();
  private readonly clients: ClientConnection[] = [];

  async open(options: { backlogBytes?: number } = {}): Promise<Pair> {
    const test = await this.resources.server({}, options.backlogBytes === undefined ? {} : { backlogBytes: options.backlogBytes });
    const client = await openConnection(test.url);
    this.clients.push(client);
    const server = await test.nextConnection();
    return { server, client };
  }

  async dispose(): Promise<void> {
    for (const client of this.clients.splice(0)) client.terminate();
    await this.resources.dispose();
  }
}

/** A Standard Schema written by hand: `check` returns the value or a list of problems. */
export function handSchema<T>(
  check: (value: unknown) => { value: T } | { issues: StandardSchemaV1Issue[] },
  vendor = 'hand',
): StandardSchemaV1<T, T> {
  return {
    '~standard': {
      version: 1,
      vendor,
      validate: (value) => check(value),
    },
  };
}

/** The same, answering through a promise after `delayMs(value)` milliseconds. */
export function asyncHandSchema<T>(
  check: (value: unknown) => { value: T } | { issues: StandardSchemaV1Issue[] },
  delayMs: (value: unknown) => number,
): StandardSchemaV1<T, T> {
  return {
    '~standard': {
      version: 1,
      vendor: 'hand-async',
      validate: (value) => new Promise((resolve) => setTimeout(() => resolve(check(value)), delayMs(value))),
    },
  };
}

export type Shape = { type: 'add'; id: number; a: number; b: number } | { type: 'sum'; id: number; value: number } | { type: 'note'; text: string };

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isInt = (value: unknown): value is number => typeof value === 'number' && Number.isInteger(value);

/** Hand-written schema of `Shape`: add requests, sum responses, and notes without an id. */
export const handShape = handSchema<Shape>((value) => {
  if (!isObject(value)) return { issues: [{ message: 'expected an object' }] };
  switch (value['type']) {
    case 'add':
      if (!isInt(value['id'])) return { issues: [{ message: 'expected an integer', path: ['id'] }] };
      if (typeof value['a'] !== 'number' || typeof value['b'] !== 'number') return { issues: [{ message: 'expected numbers', path: ['a'] }] };
      return { value: { type: 'add', id: value['id'], a: value['a'], b: value['b'] } };
    case 'sum':
      if (!isInt(value['id'])) return { issues: [{ message: 'expected an integer', path: ['id'] }] };
      if (typeof value['value'] !== 'number') return { issues: [{ message: 'expected a number', path: ['value'] }] };
      return { value: { type: 'sum', id: value['id'], value: value['value'] } };
    case 'note':
      if (typeof value['text'] !== 'string') return { issues: [{ message: 'expected a string', path: ['text'] }] };
      return { value: { type: 'note', text: value['text'] } };
    default:
      return { issues: [{ message: 'unknown type', path: [{ key: 'type' }] }] };
  }
});

/** Collects what an Observable emits, for assertions; `done` resolves when it completes. */
export function collect<T>(source: Observable<T>): { values: T[]; done: Promise<void> } {
  const values: T[] = [];
  let resolve!: () => void;
  const done = new Promise<void>((r) => (resolve = r));
  source.subscribe({ next: (value) => values.push(value), complete: () => resolve() });
  return { values, done };
}

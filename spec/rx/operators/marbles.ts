// Shared marble vocabulary for the operator specs (not a spec itself).
import { TestScheduler } from 'rxjs/testing';
import type { Message } from '../../../src';

export function scheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

export const text = (data: string): Message => ({ type: 'text', data });
export const binary = (...bytes: number[]): Message => ({ type: 'binary', data: new Uint8Array(bytes) });
export const pong = (...bytes: number[]): Message => ({ type: 'pong', data: new Uint8Array(bytes) });
export const close = (code: number, wasClean: boolean): Message => ({ type: 'close', code, reason: '', wasClean });

/** a: text 'a', b: binary [1], p: pong, c: clean close, x: abnormal close */
export const M = { a: text('a'), b: binary(1), p: pong(9), c: close(1000, true), x: close(1006, false), t: text('t') };

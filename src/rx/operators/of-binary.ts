import { type OperatorFunction } from 'rxjs';
import type { Message } from '../message';
import { pickData } from './pick-data';

/** Keeps the binary messages of `messages$`, as bytes. */
export function ofBinary(): OperatorFunction<Message, Uint8Array> {
  return pickData<Uint8Array>('binary');
}

import { type OperatorFunction } from 'rxjs';
import type { Message } from '../message';
import { pickData } from './pick-data';

/** Keeps text and binary messages, as their payloads: the shape an echo sends straight back. */
export function ofData(): OperatorFunction<Message, string | Uint8Array> {
  return pickData<string | Uint8Array>('text', 'binary');
}

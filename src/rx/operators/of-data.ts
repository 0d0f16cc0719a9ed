import { type OperatorFunction } from 'rxjs';
import type { Message } from '../message';
import { pickData } from './pick-data';

/** Keeps text and binary messages, as their payloads (string or bytes): the shape an echo sends
 *  straight back to `sink`, which sends strings as text and bytes as binary. Pongs and the close
 *  message are left out. */
export function ofData(): OperatorFunction<Message, string | Uint8Array> {
  return pickData<string | Uint8Array>('text', 'binary');
}

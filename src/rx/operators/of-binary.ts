import { type OperatorFunction } from 'rxjs';
import type { Message } from '../message';
import { pickData } from './pick-data';

/** Keeps the binary messages of `messages$`, as bytes (Node Buffers at run time); text, pong
 *  and close messages are left out. Completes when `messages$` does (after the close). */
export function ofBinary(): OperatorFunction<Message, Uint8Array> {
  return pickData<Uint8Array>('binary');
}

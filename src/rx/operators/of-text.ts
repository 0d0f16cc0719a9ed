import { type OperatorFunction } from 'rxjs';
import type { Message } from '../message';
import { pickData } from './pick-data';

/** Keeps the text messages of `messages$`, as strings; binary, pong and close messages are
 *  left out. Completes when `messages$` does (after the close). */
export function ofText(): OperatorFunction<Message, string> {
  return pickData<string>('text');
}

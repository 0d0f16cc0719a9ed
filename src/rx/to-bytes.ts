import { UsageError } from '../errors';

/** A view of an outgoing binary message's bytes, without copying. */
export function toBytes(message: ArrayBufferView | ArrayBuffer): Uint8Array {
  if (message instanceof Uint8Array) return message;
  if (ArrayBuffer.isView(message)) return new Uint8Array(message.buffer, message.byteOffset, message.byteLength);
  if (message instanceof ArrayBuffer) return new Uint8Array(message);
  throw new UsageError('bad_message', 'a message is a string, an ArrayBuffer or an ArrayBuffer view');
}

import { RxwsError } from '../errors';

/**
 * How a typed connection turns WebSocket messages into values and back. `decode` sees each
 * incoming data message (a string for a text message, bytes for a binary one) and returns the
 * value to validate; `encode` turns a validated outgoing value into a string (sent as a text
 * message) or bytes (sent as a binary message).
 *
 * A peer's bad input must not throw into your code: when `decode` cannot read a message it throws,
 * and the typed connection reports that message on `invalid$` (with the error's message as the
 * issue) instead of delivering it. So keep `decode`'s error messages free of the peer's bytes.
 * `encode` only sees values that passed the `send` schema; if it throws, the send fails as a
 * usage error.
 */
export interface Codec {
  /** One incoming message's data to a value for the `receive` schema; throws to refuse it. */
  decode(data: string | Uint8Array): unknown;
  /** A value that passed the `send` schema to what goes out: text for a string, else binary. */
  encode(value: unknown): string | Uint8Array;
}

/**
 * JSON in text messages, the default codec. A binary message is not JSON text and is refused, as
 * is text that does not parse; both are reported on `invalid$` without echoing the bytes. Outgoing
 * values go out as `JSON.stringify` text; a value JSON cannot represent (a BigInt, a cycle, a bare
 * `undefined`) fails the send.
 */
export const jsonCodec: Codec = {
  decode(data: string | Uint8Array): unknown {
    if (typeof data !== 'string') throw new RxwsError('not_text', 'a binary message where JSON text was expected');
    try {
      return JSON.parse(data);
    } catch {
      // JSON.parse's own message quotes the input; ours must not echo a peer's bytes.
      throw new RxwsError('not_json', 'a text message was not valid JSON');
    }
  },
  encode(value: unknown): string {
    const text = JSON.stringify(value) as string | undefined;
    if (text === undefined) throw new RxwsError('not_json', 'the value has no JSON form');
    return text;
  },
};

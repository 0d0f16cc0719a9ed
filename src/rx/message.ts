/** What `Connection.messages$` emits: data messages, pongs, and last of all the close event. */
/** A text message, already checked to be valid UTF-8 (RFC 6455 §8.1). */
export interface TextMessage {
  /** Tells a text message from the others. */
  readonly type: 'text';
  /** The whole message, decoded (fragments already joined). */
  readonly data: string;
}
/** A binary message; `data` is a view the receiver may keep (a `Buffer` on Node, a plain
 *  `Uint8Array` from the browser entry). */
export interface BinaryMessage {
  /** Tells a binary message from the others. */
  readonly type: 'binary';
  /** The whole message (fragments already joined, decompressed if it was compressed). */
  readonly data: Uint8Array;
}
/** A pong (an answer to our ping, or unsolicited): RFC 6455 §5.5.3. `data` is a `Buffer` too (never
 *  emitted by the browser entry: a browser answers pings itself and cannot send one). */
export interface PongMessage {
  /** Tells a pong from the others. */
  readonly type: 'pong';
  /** The pong's payload, at most 125 bytes: our ping's payload when it answers one. */
  readonly data: Uint8Array;
}
/** Always the last value of `messages$`; the stream completes right after it. */
export interface CloseMessage {
  /** Tells the close event from the messages. */
  readonly type: 'close';
  /** The peer's code (1005 if it sent none), 1006 for a dropped connection, or the code we failed with. */
  readonly code: number;
  /** The reason that came with the code ('' when none): the peer's, or ours when we failed the
   *  connection. */
  readonly reason: string;
  /** True when both close frames were exchanged and the TCP connection then closed. */
  readonly wasClean: boolean;
}
/** Everything `messages$` emits. */
export type Message = TextMessage | BinaryMessage | PongMessage | CloseMessage;
/** The `type` tag of a Message, for `waitForMessage`. */
export type MessageType = Message['type'];
/** The messages that carry application data. */
export type DataMessage = TextMessage | BinaryMessage;

/** What a sink accepts: a string goes out as a text message, bytes as a binary message. */
export type OutgoingMessage = string | ArrayBufferView | ArrayBuffer;

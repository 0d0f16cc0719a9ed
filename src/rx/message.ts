/** What `Connection.messages$` emits: data messages, pongs, and last of all the close event. */
export interface TextMessage {
  readonly type: 'text';
  readonly data: string;
}
export interface BinaryMessage {
  readonly type: 'binary';
  readonly data: Uint8Array;
}
export interface PongMessage {
  readonly type: 'pong';
  readonly data: Uint8Array;
}
/** Always the last value of `messages$`; the stream completes right after it. */
export interface CloseMessage {
  readonly type: 'close';
  /** The peer's code (1005 if it sent none), 1006 for a dropped connection, or the code we failed with. */
  readonly code: number;
  readonly reason: string;
  /** True when both close frames were exchanged and the TCP connection then closed. */
  readonly wasClean: boolean;
}
export type Message = TextMessage | BinaryMessage | PongMessage | CloseMessage;
export type MessageType = Message['type'];
export type DataMessage = TextMessage | BinaryMessage;

/** What a sink accepts: a string goes out as a text message, bytes as a binary message. */
export type OutgoingMessage = string | ArrayBufferView | ArrayBuffer;

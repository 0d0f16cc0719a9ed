// The browser entry, `@rxws/rxws/browser`: the client API of the Node entry, with the same
// names, on the platform's WHATWG WebSocket. No Node module is reachable from here (a spec
// bundles this file for the browser and checks), and what a browser cannot do is absent from
// its types: custom handshake headers, pings, the status and body of a refused handshake,
// fragmentation control, pausing the socket. See docs/how-to/browser.md.
export { connect, openConnection } from './browser/connect';
export type { ConnectTarget } from './browser/connect';
export { ClientConnection } from './browser/client-connection';
export { DEFAULT_CLIENT_OPTIONS } from './browser/client-options';
export type { ClientOptions } from './browser/client-options';
export type { WebSocketLike, WebSocketClass } from './transport/browser-transport';
export type { WaitOptions } from './rx/reactive-connection';

export { reconnect, isRetryable, isRetryableStatus, backoffDelay, FATAL_CLOSE_CODES, DEFAULT_RECONNECT_OPTIONS } from './client/reconnect';
export type { ReconnectOptions, ReconnectOutcome, RetryInfo } from './client/reconnect';
export { ReconnectingClient } from './browser/reconnecting-client';
export type { ReconnectingClientOptions } from './browser/reconnecting-client';
export { ReconnectingClientBase, MessageDroppedError } from './client/reconnecting-client';
export type { ReconnectingClientState, ReconnectingClientSettings } from './client/reconnecting-client';

export type {
  Message,
  MessageType,
  DataMessage,
  TextMessage,
  BinaryMessage,
  PongMessage,
  CloseMessage,
  OutgoingMessage,
} from './rx/message';
export { ofText } from './rx/operators/of-text';
export { ofBinary } from './rx/operators/of-binary';
export { ofData } from './rx/operators/of-data';
export { failOnAbnormalClose } from './rx/operators/fail-on-abnormal-close';
export { jsonMessages, DecodeError } from './rx/operators/json';

export { typed, DEFAULT_TYPED_OPTIONS } from './typed/typed';
export type { TypedOptions, Received, Sendable } from './typed/typed';
export type {
  TypedConnection,
  TypedConnectionTypes,
  ConnectionLike,
  InvalidMessage,
  RequestOptions,
  RequestMessage,
  RequestBody,
  NonRequestMessage,
} from './typed/typed-connection';
export { jsonCodec } from './typed/codec';
export type { Codec } from './typed/codec';
export { serveRequests } from './typed/serve-requests';
export type { ServeRequestsOptions } from './typed/serve-requests';
export { InvalidOutgoingError, RequestHandlerError } from './typed/typed-errors';
export type {
  StandardSchemaV1,
  StandardSchemaV1Props,
  StandardSchemaV1Options,
  StandardSchemaV1Types,
  StandardSchemaV1Result,
  StandardSchemaV1Success,
  StandardSchemaV1Failure,
  StandardSchemaV1Issue,
  StandardSchemaV1PathSegment,
  InferInput,
  InferOutput,
} from './typed/standard-schema';

export { CloseCode } from './protocol/close-code';
export { RxwsError, UsageError, ConnectionClosedError, TimeoutError, NetworkError } from './errors';

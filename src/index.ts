// The public surface of rxws. Everything a user imports comes from here.
export { WebSocketServer, AcceptHookError, DEFAULT_SERVER_OPTIONS } from './server/server';
export type { ServerOptions, ServerCloseOptions } from './server/server';
export { Route, HandlerError } from './server/route';
export type { RouteOptions } from './server/route';
export { reject } from './server/accept';
export type { Acceptance, AcceptDecision, AcceptHook, Rejection, ResponseHeaders } from './server/accept';
export type { RouteKey } from './server/router';
export { Topic, PublishDropError } from './server/topic';
export type { PublishOptions } from './server/topic';
export type { Bus, BusListener } from './bus/bus';
export { MemoryBusHub, MemoryBus } from './bus/memory-bus';
export { clusterBus, clusterBusRelay } from './bus/cluster-bus';
export type { ClusterBusRelay } from './bus/cluster-bus';
export { BusPublishError, BusConnectionError, BusMessageError, CountTimeoutError } from './bus/bus-errors';
export { publishTo } from './server/publish-to';

export { Connection } from './rx/connection';
export type { SendOptions, PingResult, WaitOptions } from './rx/connection';
export { DEFAULT_STREAM_HIGH_WATER_BYTES } from './rx/paced-stream-sender';
export type { SendStreamOptions, StreamSource, StreamChunk } from './rx/paced-stream-sender';
export { StreamedMessage } from './rx/streamed-message';
export { DEFAULT_CONNECTION_OPTIONS } from './rx/connection-options';
export type { ConnectionOptions } from './rx/connection-options';
export type { HeartbeatOptions } from './transport/heartbeat';
export type { PerMessageDeflateOptions, DeflateParams } from './extensions/permessage-deflate';
export { setDeflateConcurrency, DEFAULT_ZLIB_CONCURRENCY } from './transport/zlib-limiter';
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
export type { UpgradeRequest, UpgradeResponse } from './rx/upgrade-request';

export { ofText } from './rx/operators/of-text';
export { ofBinary } from './rx/operators/of-binary';
export { ofData } from './rx/operators/of-data';
export { failOnAbnormalClose } from './rx/operators/fail-on-abnormal-close';
export { broadcastTo } from './rx/operators/broadcast-to';
export type { BroadcastTarget } from './rx/operators/broadcast-to';
export { jsonMessages, DecodeError } from './rx/operators/json';

export { CloseCode } from './protocol/close-code';
export {
  RxwsError,
  UsageError,
  ProtocolError,
  ConnectionClosedError,
  TimeoutError,
  HandshakeError,
  NetworkError,
  Http2UnsupportedError,
} from './errors';
export type { HttpHeaders } from './errors';
export { pacedConcatMap } from './rx/operators/paced-concat-map';
export type { Pausable, PacedOptions } from './rx/operators/paced-concat-map';

export { connect, openConnection } from './client/connect';
export type { ConnectTarget } from './client/connect-target';
export { ClientConnection } from './client/client-connection';
export { DEFAULT_CLIENT_OPTIONS } from './client/client-options';
export type { ClientOptions, ClientHeaders } from './client/client-options';
export { reconnect, isRetryable, isRetryableStatus, backoffDelay, FATAL_CLOSE_CODES, DEFAULT_RECONNECT_OPTIONS } from './client/reconnect';
export type { ReconnectOptions, ReconnectOutcome, RetryInfo } from './client/reconnect';
export { ReconnectingClient } from './client/node-reconnecting-client';
export type { ReconnectingClientOptions } from './client/node-reconnecting-client';
export { ReconnectingClientBase, MessageDroppedError } from './client/reconnecting-client';
export type { ReconnectingClientState, ReconnectingClientSettings } from './client/reconnecting-client';

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

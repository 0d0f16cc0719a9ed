import type { PerMessageDeflateOptions } from '../extensions/permessage-deflate';
import { DEFAULT_MAX_FRAGMENTS, DEFAULT_MAX_MESSAGE_BYTES } from '../protocol/limits';
import type { HeartbeatOptions } from '../transport/heartbeat';

/** Per-connection settings shared by the server and the client. Units are in the names. */
export interface ConnectionOptions {
  /** Largest incoming message after reassembly; larger closes with 1009. Default 32 MiB. */
  maxMessageBytes: number;
  /** Most frames one incoming message may use; more closes with 1008. Default 131,072. */
  maxFragments: number;
  /** How long to wait for the peer's close frame / TCP close before destroying the socket. Default 5,000. */
  closeTimeoutMs: number;
  /** Outgoing bytes (ours plus Node's) past which `backpressure` applies. Default 16 MiB. */
  maxBufferedBytes: number;
  /** What happens when `maxBufferedBytes` is exceeded: close with 1008, or drop the message (reported on `errors$`). Default 'close'. */
  backpressure: 'close' | 'drop';
  /** Messages kept for `messages$` while nobody is subscribed, and unread chunks of streamed
   *  messages (`streamThresholdBytes`); past this the socket is paused. Once our close frame is
   *  out reading goes on instead, and what nobody takes past this is discarded (counted on
   *  `errors$`). Default 1 MiB. */
  backlogBytes: number;
  /** Answer pings automatically. Default true. */
  autoPong: boolean;
  /** Off by default: ping after `intervalMs` of silence, terminate (1006) after `timeoutMs` without an answer. */
  heartbeat: HeartbeatOptions | undefined;
  /** permessage-deflate (RFC 7692): `true` for the defaults, an options object, or `false`.
   *  Off by default on the server (and its routes), offered by default by the client. See
   *  docs/compression.md. */
  perMessageDeflate: boolean | PerMessageDeflateOptions;
  /**
   * Opt-in for messages too big to hold whole: a text or binary message of at least this many
   * bytes is not assembled; it arrives on `conn.streamedMessages$` as a StreamedMessage the
   * moment it begins, and its bytes as they arrive. The size is judged from frame headers as
   * they come in (a fragmented message switches once its headers have declared this much), or,
   * compressed (permessage-deflate), from its decompressed bytes. `maxMessageBytes` and
   * `maxFragments` still apply, so raise `maxMessageBytes` for big uploads. 0 streams every
   * message. Default undefined: every message arrives whole on `messages$`.
   */
  streamThresholdBytes: number | undefined;
}

/** @internal Defaults the browser client shares, as constants a bundler inlines (a property read of
 *  DEFAULT_CONNECTION_OPTIONS would keep the whole object, and the protocol limits with it). */
export const DEFAULT_CLOSE_TIMEOUT_MS = 5_000;
/** @internal See DEFAULT_CLOSE_TIMEOUT_MS. */
export const DEFAULT_MAX_BUFFERED_BYTES = 16_777_216; // 16 MiB (a literal: see DEFAULT_MAX_MESSAGE_BYTES)
/** @internal See DEFAULT_CLOSE_TIMEOUT_MS. */
export const DEFAULT_BACKPRESSURE = 'close';

/** The per-connection defaults (see docs/security.md for the reasoning behind each). */
export const DEFAULT_CONNECTION_OPTIONS: Readonly<ConnectionOptions> = /* @__PURE__ */ Object.freeze({
  // The protocol limits (DEFAULT_PROTOCOL_LIMITS), without a spread: see DEFAULT_MAX_MESSAGE_BYTES.
  maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES,
  maxFragments: DEFAULT_MAX_FRAGMENTS,
  closeTimeoutMs: DEFAULT_CLOSE_TIMEOUT_MS,
  maxBufferedBytes: DEFAULT_MAX_BUFFERED_BYTES,
  backpressure: DEFAULT_BACKPRESSURE,
  backlogBytes: 1_048_576, // 1 MiB
  autoPong: true,
  heartbeat: undefined,
  perMessageDeflate: false,
  streamThresholdBytes: undefined,
});

import type { PerMessageDeflateOptions } from '../extensions/permessage-deflate';
import { DEFAULT_PROTOCOL_LIMITS } from '../protocol/limits';
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

/** The per-connection defaults (see docs/security.md for the reasoning behind each). */
export const DEFAULT_CONNECTION_OPTIONS: Readonly<ConnectionOptions> = Object.freeze({
  ...DEFAULT_PROTOCOL_LIMITS,
  closeTimeoutMs: 5_000,
  maxBufferedBytes: 16 * 1024 * 1024,
  backpressure: 'close',
  backlogBytes: 1024 * 1024,
  autoPong: true,
  heartbeat: undefined,
  perMessageDeflate: false,
  streamThresholdBytes: undefined,
});

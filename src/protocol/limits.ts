/** Limits the protocol core enforces on what a peer sends. Units are in the names. */
export interface ProtocolLimits {
  /** Largest message (after reassembly) accepted; larger fails with 1009. */
  maxMessageBytes: number;
  /** Most frames one message may be split into; more fails with 1008. */
  maxFragments: number;
}

/**
 * Defaults generous enough for a strict conformance run (Autobahn section 9 sends 16 MiB
 * messages and up to 65,537 fragments per message) yet bounded.
 */
export const DEFAULT_PROTOCOL_LIMITS: Readonly<ProtocolLimits> = Object.freeze({
  maxMessageBytes: 32 * 1024 * 1024,
  maxFragments: 131_072,
});

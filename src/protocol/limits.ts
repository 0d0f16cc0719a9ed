/** Limits the protocol core enforces on what a peer sends. Units are in the names. */
export interface ProtocolLimits {
  /** Largest message (after reassembly) accepted; larger fails with 1009. */
  maxMessageBytes: number;
  /** Most frames one message may be split into; more fails with 1008. */
  maxFragments: number;
}

/** @internal DEFAULT_PROTOCOL_LIMITS.maxMessageBytes, as a constant: options objects built from it
 *  need no spread. A bundler keeps an unused defaults object whose literal has a spread (it may
 *  run getters) or a product such as `1024 * 1024` (not folded), so neither appears in one. */
export const DEFAULT_MAX_MESSAGE_BYTES = 33_554_432; // 32 MiB
/** @internal DEFAULT_PROTOCOL_LIMITS.maxFragments (see DEFAULT_MAX_MESSAGE_BYTES). */
export const DEFAULT_MAX_FRAGMENTS = 131_072;

/**
 * Defaults generous enough for a strict conformance run (Autobahn section 9 sends 16 MiB
 * messages and up to 65,537 fragments per message) yet bounded.
 */
export const DEFAULT_PROTOCOL_LIMITS: Readonly<ProtocolLimits> = /* @__PURE__ */ Object.freeze({
  maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES,
  maxFragments: DEFAULT_MAX_FRAGMENTS,
});

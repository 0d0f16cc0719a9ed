import { formatExtensions, type ExtensionOffer, type ParsedExtensionOffer } from '../handshake/extensions';

/**
 * permessage-deflate (RFC 7692) negotiation, pure: offers and responses in, agreed parameters and
 * header elements out. No zlib and no Node here; the transport turns the agreed parameters into
 * zlib streams (src/transport/deflate-codec.ts).
 *
 * Names are compared exactly and looked up with `switch` on the name: a parameter called
 * `__proto__`, `constructor` or `toString` is simply unknown, never an object key, so a
 * hostile offer can neither crash the parser nor be mistaken for a known parameter.
 */
export const PERMESSAGE_DEFLATE = 'permessage-deflate';

/** The settings of `perMessageDeflate: { ... }` (server, route or client). Checked when the
 *  server, route or client is made: an unknown key or a value out of range throws a
 *  UsageError. */
export interface PerMessageDeflateOptions {
  /** Server: always ask for `server_no_context_takeover` (the server compresses each message
   *  from an empty window: no per-connection compressor memory, lower ratio). Client: ask the
   *  server for it. Default false. */
  serverNoContextTakeover?: boolean;
  /** Server: always ask the client for `client_no_context_takeover` (no per-connection
   *  decompressor memory on the server). Client: announce it. Default false. */
  clientNoContextTakeover?: boolean;
  /** Largest LZ77 window, as a power of two, the server compresses with (8-15). 8 means the
   *  server never compresses (see docs/compression.md: zlib cannot compress with 256 bytes).
   *  Default 15. */
  serverMaxWindowBits?: number;
  /** Largest window the client compresses with (8-15). A server setting below 15 declines
   *  offers that do not let it restrict the client. Default 15. */
  clientMaxWindowBits?: number;
  /** Messages shorter than this many bytes are sent uncompressed. Default 1024. */
  thresholdBytes?: number;
  /** zlib compression level, 0-9. Default 6. */
  level?: number;
  /** zlib memLevel, 1-9: compressor memory is 2^(memLevel+9) bytes plus the window's twice over.
   *  Default 8. */
  memLevel?: number;
}

/** The settings with every default filled in. */
export type DeflateConfig = Required<PerMessageDeflateOptions>;

export const DEFAULT_DEFLATE_CONFIG: Readonly<DeflateConfig> = Object.freeze({
  serverNoContextTakeover: false,
  clientNoContextTakeover: false,
  serverMaxWindowBits: 15,
  clientMaxWindowBits: 15,
  thresholdBytes: 1024,
  level: 6,
  memLevel: 8,
});

const OPTION_RANGES: Readonly<Record<keyof PerMessageDeflateOptions, readonly [number, number] | 'bool'>> = {
  serverNoContextTakeover: 'bool',
  clientNoContextTakeover: 'bool',
  serverMaxWindowBits: [8, 15],
  clientMaxWindowBits: [8, 15],
  thresholdBytes: [0, Number.MAX_SAFE_INTEGER],
  level: [0, 9],
  memLevel: [1, 9],
};

/** Checks a `perMessageDeflate` option value: a problem description, or undefined when valid. */
export function checkDeflateOption(value: unknown): string | undefined {
  if (typeof value === 'boolean') return undefined;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'must be true, false or an options object';
  for (const key of Object.keys(value)) {
    if (!Object.prototype.hasOwnProperty.call(OPTION_RANGES, key)) return `has unknown key '${key}'`;
    const v = (value as Record<string, unknown>)[key];
    if (v === undefined) continue;
    const range = OPTION_RANGES[key as keyof PerMessageDeflateOptions];
    if (range === 'bool') {
      if (typeof v !== 'boolean') return `${key} must be true or false`;
    } else if (typeof v !== 'number' || !Number.isInteger(v) || v < range[0] || v > range[1]) {
      return `${key} must be an integer from ${range[0]} to ${range[1]}`;
    }
  }
  return undefined;
}

/** `false` → undefined (off); `true` → the defaults; an object → the defaults overridden. The
 *  value must have passed `checkDeflateOption`. */
export function resolveDeflateConfig(value: boolean | PerMessageDeflateOptions | undefined): DeflateConfig | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true) return DEFAULT_DEFLATE_CONFIG;
  const config: DeflateConfig = { ...DEFAULT_DEFLATE_CONFIG };
  for (const key of Object.keys(OPTION_RANGES) as Array<keyof DeflateConfig>) {
    const v = value[key];
    if (v !== undefined) (config as Record<string, number | boolean>)[key] = v;
  }
  return config;
}

/** What both ends agreed for permessage-deflate (RFC 7692 §7.1): `conn.perMessageDeflate`.
 *  Absent window parameters are 15. */
export interface DeflateParams {
  /** The server compresses each message from an empty window (no memory kept between
   *  messages). */
  serverNoContextTakeover: boolean;
  /** The client compresses each message from an empty window. */
  clientNoContextTakeover: boolean;
  /** Largest LZ77 window the server compresses with, as a power of two (8-15). */
  serverMaxWindowBits: number;
  /** Largest LZ77 window the client compresses with, as a power of two (8-15). */
  clientMaxWindowBits: number;
}

/** The agreed parameters seen from one end: what it compresses with, what it decompresses. */
export interface DeflateDirections {
  /** Our compressor: its window, and whether it must start every message from an empty one. */
  sendWindowBits: number;
  sendNoContextTakeover: boolean;
  /** The peer's compressor, which our decompressor mirrors. */
  receiveWindowBits: number;
  receiveNoContextTakeover: boolean;
}

export function directionsOf(params: DeflateParams, role: 'server' | 'client'): DeflateDirections {
  return role === 'server'
    ? {
        sendWindowBits: params.serverMaxWindowBits,
        sendNoContextTakeover: params.serverNoContextTakeover,
        receiveWindowBits: params.clientMaxWindowBits,
        receiveNoContextTakeover: params.clientNoContextTakeover,
      }
    : {
        sendWindowBits: params.clientMaxWindowBits,
        sendNoContextTakeover: params.clientNoContextTakeover,
        receiveWindowBits: params.serverMaxWindowBits,
        receiveNoContextTakeover: params.serverNoContextTakeover,
      };
}

/** One offer's or response's parameters, checked for form (RFC 7692 §7.1). */
interface DeflateElement {
  serverNoContextTakeover: boolean;
  clientNoContextTakeover: boolean;
  serverMaxWindowBits: number | undefined;
  /** `true` for the value-less form (allowed in an offer only). */
  clientMaxWindowBits: number | true | undefined;
}

export type ElementCheck = { ok: true; element: DeflateElement } | { ok: false; reason: string };

/**
 * RFC 7692 §7.1.2.1/§7.1.2.2: "a decimal integer value without leading zeroes between 8 to 15,
 * inclusive". A quoted value arrives here already unquoted (RFC 6455 §9.1).
 */
export function parseWindowBits(value: string): number | undefined {
  if (value.length === 1) return value === '8' ? 8 : value === '9' ? 9 : undefined;
  if (value.length !== 2 || value.charCodeAt(0) !== 0x31) return undefined;
  const d = value.charCodeAt(1) - 0x30;
  return d >= 0 && d <= 5 ? 10 + d : undefined;
}

/**
 * Checks one permessage-deflate element (an offer, or the server's response) for form: only the
 * four parameters, each at most once (RFC 7692 §5: "multiple extension parameters with the same
 * name" make it invalid), the no_context_takeover ones without a value, window bits 8-15, and
 * the value-less `client_max_window_bits` only in an offer (§7.1.2.2).
 */
export function checkDeflateElement(ext: ParsedExtensionOffer, kind: 'offer' | 'response'): ElementCheck {
  const element: DeflateElement = {
    serverNoContextTakeover: false,
    clientNoContextTakeover: false,
    serverMaxWindowBits: undefined,
    clientMaxWindowBits: undefined,
  };
  const seen = new Set<string>();
  for (const [name, value] of ext.paramList) {
    if (seen.has(name)) return { ok: false, reason: `parameter ${name} is repeated` };
    switch (name) {
      case 'server_no_context_takeover':
      case 'client_no_context_takeover':
        // §7.1.1.1/§7.1.1.2: "This extension parameter has no value."
        if (value !== true) return { ok: false, reason: `${name} takes no value` };
        if (name === 'server_no_context_takeover') element.serverNoContextTakeover = true;
        else element.clientNoContextTakeover = true;
        break;
      case 'server_max_window_bits': {
        const bits = value === true ? undefined : parseWindowBits(value);
        if (bits === undefined) return { ok: false, reason: 'server_max_window_bits must be 8 to 15' };
        element.serverMaxWindowBits = bits;
        break;
      }
      case 'client_max_window_bits': {
        if (value === true) {
          // §7.1.2.2: the value is optional in an offer, required in a response.
          if (kind === 'response') return { ok: false, reason: 'client_max_window_bits needs a value in a response' };
          element.clientMaxWindowBits = true;
          break;
        }
        const bits = parseWindowBits(value);
        if (bits === undefined) return { ok: false, reason: 'client_max_window_bits must be 8 to 15' };
        element.clientMaxWindowBits = bits;
        break;
      }
      default:
        return { ok: false, reason: 'unknown parameter' };
    }
    seen.add(name);
  }
  return { ok: true, element };
}

/** The server's decision: the parameters in force and the element to send back. */
export interface DeflateAgreement {
  params: DeflateParams;
  response: ExtensionOffer;
}

/**
 * Server side (RFC 7692 §5, §7.1): takes the client's extension offers in order and accepts the
 * first permessage-deflate offer that is valid and that this configuration can honour. Invalid
 * offers are declined, never an error (§5: "the server MUST decline"), so the connection goes on
 * with the next offer, or without compression. Returns undefined when none is accepted.
 *
 * The header as a whole has already been parsed: one that does not follow the RFC 6455 §9.1
 * grammar was answered with 400 before this point.
 */
export function negotiateDeflate(offers: readonly ExtensionOffer[], config: DeflateConfig): DeflateAgreement | undefined {
  for (const offer of offers) {
    if (offer.name !== PERMESSAGE_DEFLATE) continue;
    const checked = checkDeflateElement(asParsed(offer), 'offer');
    if (!checked.ok) continue;
    const agreement = acceptOffer(checked.element, config);
    if (agreement !== undefined) return agreement;
  }
  return undefined;
}

function acceptOffer(offer: DeflateElement, config: DeflateConfig): DeflateAgreement | undefined {
  // §7.1.1.1: a server that accepts server_no_context_takeover must say so; it may also add it.
  const serverNoContextTakeover = offer.serverNoContextTakeover || config.serverNoContextTakeover;
  // §7.1.1.2: the server may add client_no_context_takeover; when the client offered it we echo
  // it, which makes it binding, so our decompressor need not keep a window for this client.
  const clientNoContextTakeover = offer.clientNoContextTakeover || config.clientNoContextTakeover;
  // §7.1.2.1: the same or a smaller value than offered; we may also name one unasked.
  const serverMaxWindowBits = Math.min(offer.serverMaxWindowBits ?? 15, config.serverMaxWindowBits);
  let clientMaxWindowBits: number;
  if (offer.clientMaxWindowBits === undefined) {
    // §7.1.2.2: without the parameter in the offer the response "MUST NOT include" it, so a
    // server configured to restrict the client's window cannot: decline this offer.
    if (config.clientMaxWindowBits < 15) return undefined;
    clientMaxWindowBits = 15;
  } else {
    clientMaxWindowBits = Math.min(offer.clientMaxWindowBits === true ? 15 : offer.clientMaxWindowBits, config.clientMaxWindowBits);
  }
  const params = new Map<string, string | true>();
  if (serverNoContextTakeover) params.set('server_no_context_takeover', true);
  if (clientNoContextTakeover) params.set('client_no_context_takeover', true);
  if (offer.serverMaxWindowBits !== undefined || serverMaxWindowBits < 15) {
    params.set('server_max_window_bits', String(serverMaxWindowBits));
  }
  if (offer.clientMaxWindowBits !== undefined && clientMaxWindowBits < 15) {
    params.set('client_max_window_bits', String(clientMaxWindowBits));
  }
  return {
    params: { serverNoContextTakeover, clientNoContextTakeover, serverMaxWindowBits, clientMaxWindowBits },
    response: { name: PERMESSAGE_DEFLATE, params },
  };
}

/** Client side: the offer this configuration makes (one element). */
export function deflateOffer(config: DeflateConfig): ExtensionOffer {
  const params = new Map<string, string | true>();
  if (config.serverNoContextTakeover) params.set('server_no_context_takeover', true);
  if (config.clientNoContextTakeover) params.set('client_no_context_takeover', true);
  if (config.serverMaxWindowBits < 15) params.set('server_max_window_bits', String(config.serverMaxWindowBits));
  // §7.1.2.2: always offered, so the server may ask us for a smaller window; with a value it is
  // also our promise not to exceed it.
  params.set('client_max_window_bits', config.clientMaxWindowBits < 15 ? String(config.clientMaxWindowBits) : true);
  return { name: PERMESSAGE_DEFLATE, params };
}

export type ResponseCheck = { ok: true; params: DeflateParams | undefined } | { ok: false; message: string };

/**
 * Client side (RFC 7692 §5): checks the server's Sec-WebSocket-Extensions (already parsed, with
 * unoffered and repeated extension names already refused) against our offer. No
 * permessage-deflate element means the server declined: no compression. An element that is
 * malformed, has a parameter we did not allow, or does not honour what we asked for fails the
 * connection.
 */
export function acceptDeflateResponse(extensions: readonly ParsedExtensionOffer[], config: DeflateConfig): ResponseCheck {
  const element = extensions.find((e) => e.name === PERMESSAGE_DEFLATE);
  if (element === undefined) return { ok: true, params: undefined };
  const checked = checkDeflateElement(element, 'response');
  if (!checked.ok) return { ok: false, message: `invalid permessage-deflate response: ${checked.reason}` };
  const r = checked.element;
  // §7.1.1.1: a server that accepts our server_no_context_takeover must include it.
  if (config.serverNoContextTakeover && !r.serverNoContextTakeover) {
    return { ok: false, message: 'invalid permessage-deflate response: server_no_context_takeover was asked for and not granted' };
  }
  // §7.1.2.1: "the same or smaller value as the offer", and present when we offered one.
  if (config.serverMaxWindowBits < 15 && (r.serverMaxWindowBits === undefined || r.serverMaxWindowBits > config.serverMaxWindowBits)) {
    return { ok: false, message: 'invalid permessage-deflate response: server_max_window_bits exceeds our offer' };
  }
  // §7.1.2.2: a client window larger than our offer said we would use is not ours to accept.
  const clientBits = r.clientMaxWindowBits === true ? undefined : r.clientMaxWindowBits;
  if (clientBits !== undefined && clientBits > config.clientMaxWindowBits) {
    return { ok: false, message: 'invalid permessage-deflate response: client_max_window_bits exceeds our offer' };
  }
  return {
    ok: true,
    params: {
      serverNoContextTakeover: r.serverNoContextTakeover,
      clientNoContextTakeover: r.clientNoContextTakeover || config.clientNoContextTakeover,
      serverMaxWindowBits: r.serverMaxWindowBits ?? 15,
      clientMaxWindowBits: clientBits ?? config.clientMaxWindowBits,
    },
  };
}

/** An offer built by hand (no paramList): its params are then the list. */
function asParsed(offer: ExtensionOffer): ParsedExtensionOffer {
  const list = (offer as Partial<ParsedExtensionOffer>).paramList;
  return list !== undefined ? (offer as ParsedExtensionOffer) : { ...offer, paramList: [...offer.params] };
}

/** What a connection needs to run permessage-deflate: the agreement and our zlib settings. */
export interface NegotiatedDeflate {
  params: DeflateParams;
  config: DeflateConfig;
  /** The Sec-WebSocket-Extensions value to send (server) or that was sent (client). */
  header: string;
}

/** Server glue: the route's `perMessageDeflate` option and the client's offers → the response
 *  header and the agreement, or undefined (off, or every offer declined). */
export function negotiatePerMessageDeflate(
  offers: readonly ExtensionOffer[],
  option: boolean | PerMessageDeflateOptions | undefined,
): NegotiatedDeflate | undefined {
  const config = resolveDeflateConfig(option);
  if (config === undefined) return undefined;
  const agreement = negotiateDeflate(offers, config);
  if (agreement === undefined) return undefined;
  return { params: agreement.params, config, header: formatExtensions([agreement.response]) };
}

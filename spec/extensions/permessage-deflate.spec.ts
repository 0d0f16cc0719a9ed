// permessage-deflate negotiation (RFC 7692 §5, §7.1), without sockets: tables of offers and
// responses, every parameter combination, and every kind of malformed offer.
import { parseExtensions, type ParsedExtensionOffer } from '../../src/handshake/extensions';
import {
  DEFAULT_DEFLATE_CONFIG,
  acceptDeflateResponse,
  checkDeflateElement,
  checkDeflateOption,
  deflateOffer,
  directionsOf,
  negotiateDeflate,
  negotiatePerMessageDeflate,
  parseWindowBits,
  resolveDeflateConfig,
  type DeflateConfig,
} from '../../src/extensions/permessage-deflate';
import { formatExtensions } from '../../src/handshake/extensions';

function offers(header: string): ParsedExtensionOffer[] {
  const parsed = parseExtensions(header);
  if (parsed === null) throw new Error(`unparsable test header ${header}`);
  return parsed;
}

/** The server's answer to a header, as the Sec-WebSocket-Extensions value it would send. */
function answer(header: string, config: Partial<DeflateConfig> = {}): string | undefined {
  const agreement = negotiateDeflate(offers(header), { ...DEFAULT_DEFLATE_CONFIG, ...config });
  return agreement === undefined ? undefined : formatExtensions([agreement.response]);
}

const config = (c: Partial<DeflateConfig> = {}): DeflateConfig => ({ ...DEFAULT_DEFLATE_CONFIG, ...c });

describe('parseWindowBits (RFC 7692 §7.1.2: 8 to 15, decimal, no leading zeroes)', () => {
  it.each([
    ['8', 8],
    ['9', 9],
    ['10', 10],
    ['15', 15],
  ])('%s → %i', (text, bits) => expect(parseWindowBits(text)).toBe(bits));

  it.each(['7', '16', '0', '08', '015', '+9', '9a', '1', '', ' 9', '150', '1e1', '٩'])('%j is not a window size', (text) => {
    expect(parseWindowBits(text)).toBeUndefined();
  });
});

describe('server: negotiateDeflate, table of offers (default configuration)', () => {
  it.each<[string, string | undefined]>([
    ['permessage-deflate', 'permessage-deflate'],
    // Chromium's and ws's offer.
    ['permessage-deflate; client_max_window_bits', 'permessage-deflate'],
    // §7.1.1.1: the server must echo server_no_context_takeover when it accepts it.
    ['permessage-deflate; server_no_context_takeover', 'permessage-deflate; server_no_context_takeover'],
    // §7.1.1.2: echoing client_no_context_takeover makes it binding.
    ['permessage-deflate; client_no_context_takeover', 'permessage-deflate; client_no_context_takeover'],
    // §7.1.2.1: accepted with the same value.
    ['permessage-deflate; server_max_window_bits=10', 'permessage-deflate; server_max_window_bits=10'],
    ['permessage-deflate; server_max_window_bits=15', 'permessage-deflate; server_max_window_bits=15'],
    // 8 is accepted: we honour it by never compressing (zlib cannot compress with 256 bytes).
    ['permessage-deflate; server_max_window_bits=8', 'permessage-deflate; server_max_window_bits=8'],
    // §7.1.2.2: a value in the offer binds the client; we echo it.
    ['permessage-deflate; client_max_window_bits=9', 'permessage-deflate; client_max_window_bits=9'],
    ['permessage-deflate; client_max_window_bits=15', 'permessage-deflate'],
    // Quoted values are unquoted first (RFC 6455 §9.1).
    ['permessage-deflate; server_max_window_bits="12"', 'permessage-deflate; server_max_window_bits=12'],
    // RFC 7692 §7.1.3's example, with its fallback.
    [
      'permessage-deflate; client_max_window_bits; server_max_window_bits=10, permessage-deflate; client_max_window_bits',
      'permessage-deflate; server_max_window_bits=10',
    ],
    ['x-webkit-deflate-frame, permessage-deflate', 'permessage-deflate'],
    ['foo; bar=1', undefined],
  ])('%s → %s', (header, expected) => {
    expect(answer(header)).toBe(expected);
  });
});

describe('server: negotiateDeflate with a configuration', () => {
  it('serverNoContextTakeover adds server_no_context_takeover unasked (§7.1.1.1)', () => {
    expect(answer('permessage-deflate', { serverNoContextTakeover: true })).toBe('permessage-deflate; server_no_context_takeover');
  });

  it('clientNoContextTakeover adds client_no_context_takeover unasked (§7.1.1.2)', () => {
    expect(answer('permessage-deflate', { clientNoContextTakeover: true })).toBe('permessage-deflate; client_no_context_takeover');
  });

  it('serverMaxWindowBits names a window unasked, and the smaller of offer and setting (§7.1.2.1)', () => {
    expect(answer('permessage-deflate', { serverMaxWindowBits: 12 })).toBe('permessage-deflate; server_max_window_bits=12');
    expect(answer('permessage-deflate; server_max_window_bits=10', { serverMaxWindowBits: 12 })).toBe('permessage-deflate; server_max_window_bits=10');
    expect(answer('permessage-deflate; server_max_window_bits=14', { serverMaxWindowBits: 12 })).toBe('permessage-deflate; server_max_window_bits=12');
  });

  it('clientMaxWindowBits restricts a client that allows it, and declines one that does not (§7.1.2.2)', () => {
    expect(answer('permessage-deflate; client_max_window_bits', { clientMaxWindowBits: 10 })).toBe('permessage-deflate; client_max_window_bits=10');
    expect(answer('permessage-deflate; client_max_window_bits=9', { clientMaxWindowBits: 10 })).toBe('permessage-deflate; client_max_window_bits=9');
    expect(answer('permessage-deflate', { clientMaxWindowBits: 10 })).toBeUndefined();
    expect(answer('permessage-deflate, permessage-deflate; client_max_window_bits', { clientMaxWindowBits: 10 })).toBe(
      'permessage-deflate; client_max_window_bits=10',
    );
  });

  it('negotiatePerMessageDeflate: off unless the option enables it', () => {
    expect(negotiatePerMessageDeflate(offers('permessage-deflate'), false)).toBeUndefined();
    expect(negotiatePerMessageDeflate(offers('permessage-deflate'), undefined)).toBeUndefined();
    expect(negotiatePerMessageDeflate(offers('permessage-deflate'), true)?.header).toBe('permessage-deflate');
    expect(negotiatePerMessageDeflate(offers('permessage-deflate'), { serverMaxWindowBits: 9 })?.header).toBe('permessage-deflate; server_max_window_bits=9');
    expect(negotiatePerMessageDeflate([], true)).toBeUndefined();
  });
});

/** Malformed offers: each is declined (§5), and a valid offer after it is still accepted. */
const MALFORMED: Array<[string, string]> = [
  ['server_no_context_takeover; server_no_context_takeover', 'duplicate'],
  ['client_no_context_takeover; client_no_context_takeover', 'duplicate'],
  ['server_max_window_bits=10; server_max_window_bits=10', 'duplicate'],
  ['server_max_window_bits=10; server_max_window_bits=11', 'duplicate'],
  ['client_max_window_bits; client_max_window_bits', 'duplicate'],
  ['client_max_window_bits=10; client_max_window_bits', 'duplicate'],
  ['foo', 'unknown parameter'],
  ['__proto__', 'unknown parameter (RELIABILITY 25)'],
  ['constructor=1', 'unknown parameter (RELIABILITY 25)'],
  ['toString', 'unknown parameter (RELIABILITY 25)'],
  ['hasOwnProperty', 'unknown parameter (RELIABILITY 25)'],
  ['Server_No_Context_Takeover', 'unknown parameter (names are exact)'],
  ['server_no_context_takeover=1', 'value on a value-less parameter'],
  ['client_no_context_takeover=true', 'value on a value-less parameter'],
  ['server_max_window_bits', 'missing value'],
  ['server_max_window_bits=7', 'out of range'],
  ['server_max_window_bits=16', 'out of range'],
  ['server_max_window_bits=0', 'out of range'],
  ['server_max_window_bits=08', 'leading zero'],
  ['server_max_window_bits=+9', 'sign'],
  ['server_max_window_bits=9a', 'not a number'],
  ['client_max_window_bits=7', 'out of range'],
  ['client_max_window_bits=16', 'out of range'],
  ['client_max_window_bits=010', 'leading zero'],
  ['client_max_window_bits=x', 'not a number'],
];

describe('server: malformed offers are declined, never an error (RFC 7692 §5)', () => {
  it.each(MALFORMED)('permessage-deflate; %s (%s) → declined, next offer accepted', (params) => {
    expect(answer(`permessage-deflate; ${params}`)).toBeUndefined();
    expect(answer(`permessage-deflate; ${params}, permessage-deflate; client_max_window_bits`)).toBe('permessage-deflate');
    expect(checkDeflateElement(offers(`permessage-deflate; ${params}`)[0]!, 'offer').ok).toBe(false);
  });

  it.each(['__proto__', 'constructor', 'toString', 'Permessage-Deflate', 'permessage_deflate'])('an extension named %s is never negotiated (RELIABILITY 25)', (name) => {
    expect(answer(name)).toBeUndefined();
    expect(answer(`${name}; client_max_window_bits`)).toBeUndefined();
    expect(Object.prototype.hasOwnProperty.call({}, 'polluted')).toBe(false);
  });
});

// Every combination of the four parameters in an offer, against several configurations: the
// response obeys the RFC's rules, and our own client accepts it and agrees on the parameters.
const SNCT = [false, true];
const CNCT = [false, true];
const SMWB: Array<number | undefined> = [undefined, 8, 9, 10, 11, 12, 13, 14, 15];
const CMWB: Array<number | true | undefined> = [undefined, true, 8, 9, 10, 11, 12, 13, 14, 15];
const CONFIGS: Array<Partial<DeflateConfig>> = [
  {},
  { serverNoContextTakeover: true },
  { clientNoContextTakeover: true },
  { serverMaxWindowBits: 10 },
  { clientMaxWindowBits: 11 },
  { serverMaxWindowBits: 9, clientMaxWindowBits: 9, serverNoContextTakeover: true, clientNoContextTakeover: true },
];

function offerText(snct: boolean, cnct: boolean, smwb: number | undefined, cmwb: number | true | undefined): string {
  let text = 'permessage-deflate';
  if (snct) text += '; server_no_context_takeover';
  if (cnct) text += '; client_no_context_takeover';
  if (smwb !== undefined) text += `; server_max_window_bits=${smwb}`;
  if (cmwb === true) text += '; client_max_window_bits';
  else if (cmwb !== undefined) text += `; client_max_window_bits=${cmwb}`;
  return text;
}

describe('server ↔ client: every parameter combination (2 × 2 × 9 × 10 offers × 6 configurations)', () => {
  it('the response follows §7.1 and the client side reads back the same agreement', () => {
    let accepted = 0;
    let declined = 0;
    for (const c of CONFIGS) {
      const server = config(c);
      for (const snct of SNCT)
        for (const cnct of CNCT)
          for (const smwb of SMWB)
            for (const cmwb of CMWB) {
              const text = offerText(snct, cnct, smwb, cmwb);
              const agreement = negotiateDeflate(offers(text), server);
              if (agreement === undefined) {
                // The only reason to decline a well-formed offer: we must restrict a client that
                // did not offer client_max_window_bits.
                expect([text, cmwb === undefined && server.clientMaxWindowBits < 15]).toEqual([text, true]);
                declined++;
                continue;
              }
              accepted++;
              const response = offers(formatExtensions([agreement.response]))[0]!;
              const p = response.params;
              const { params } = agreement;
              // §7.1.1.1: server_no_context_takeover echoed when offered.
              if (snct) expect(p.get('server_no_context_takeover')).toBe(true);
              // §7.1.2.1: the same or a smaller window than offered.
              if (smwb !== undefined) expect(Number(p.get('server_max_window_bits'))).toBeLessThanOrEqual(smwb);
              expect(params.serverMaxWindowBits).toBeLessThanOrEqual(Math.min(smwb ?? 15, server.serverMaxWindowBits));
              // §7.1.2.2: never client_max_window_bits unless offered; never above an offered value.
              if (cmwb === undefined) expect(p.has('client_max_window_bits')).toBe(false);
              if (typeof cmwb === 'number') expect(params.clientMaxWindowBits).toBeLessThanOrEqual(cmwb);
              expect(params.clientMaxWindowBits).toBeLessThanOrEqual(server.clientMaxWindowBits);
              // Every value in the response is well formed.
              expect(checkDeflateElement(response, 'response')).toMatchObject({ ok: true });
              // A client that made this offer reads back exactly the server's agreement.
              const clientConfig = config({
                serverNoContextTakeover: snct,
                clientNoContextTakeover: cnct,
                serverMaxWindowBits: smwb ?? 15,
                clientMaxWindowBits: typeof cmwb === 'number' ? cmwb : 15,
              });
              if (cmwb !== undefined || !p.has('client_max_window_bits')) {
                expect(acceptDeflateResponse([response], clientConfig)).toEqual({ ok: true, params });
              }
              // Both ends see the same two directions, mirrored.
              const s = directionsOf(params, 'server');
              const cl = directionsOf(params, 'client');
              expect([s.sendWindowBits, s.sendNoContextTakeover]).toEqual([cl.receiveWindowBits, cl.receiveNoContextTakeover]);
              expect([s.receiveWindowBits, s.receiveNoContextTakeover]).toEqual([cl.sendWindowBits, cl.sendNoContextTakeover]);
            }
    }
    expect(accepted + declined).toBe(2 * 2 * 9 * 10 * CONFIGS.length);
    expect(accepted).toBeGreaterThan(declined);
  });
});

describe('client: deflateOffer', () => {
  it.each<[Partial<DeflateConfig>, string]>([
    [{}, 'permessage-deflate; client_max_window_bits'],
    [{ serverNoContextTakeover: true }, 'permessage-deflate; server_no_context_takeover; client_max_window_bits'],
    [{ clientNoContextTakeover: true }, 'permessage-deflate; client_no_context_takeover; client_max_window_bits'],
    [{ serverMaxWindowBits: 10, clientMaxWindowBits: 12 }, 'permessage-deflate; server_max_window_bits=10; client_max_window_bits=12'],
  ])('%j → %s', (c, expected) => {
    expect(formatExtensions([deflateOffer(config(c))])).toBe(expected);
  });
});

describe('client: acceptDeflateResponse fails the connection on a response it did not allow (RFC 7692 §5)', () => {
  const respond = (header: string, c: Partial<DeflateConfig> = {}) => acceptDeflateResponse(offers(header), config(c));

  it('no permessage-deflate in the response: the server declined, no compression', () => {
    expect(acceptDeflateResponse([], config())).toEqual({ ok: true, params: undefined });
  });

  it.each<[string, Partial<DeflateConfig>, object]>([
    ['permessage-deflate', {}, { serverNoContextTakeover: false, clientNoContextTakeover: false, serverMaxWindowBits: 15, clientMaxWindowBits: 15 }],
    ['permessage-deflate; server_no_context_takeover', {}, { serverNoContextTakeover: true }],
    ['permessage-deflate; client_no_context_takeover', {}, { clientNoContextTakeover: true }],
    ['permessage-deflate', { clientNoContextTakeover: true }, { clientNoContextTakeover: true }],
    ['permessage-deflate; server_max_window_bits=9', {}, { serverMaxWindowBits: 9 }],
    ['permessage-deflate; client_max_window_bits=8', {}, { clientMaxWindowBits: 8 }],
    ['permessage-deflate; server_max_window_bits=10', { serverMaxWindowBits: 10 }, { serverMaxWindowBits: 10 }],
    ['permessage-deflate; server_max_window_bits=9', { serverMaxWindowBits: 10 }, { serverMaxWindowBits: 9 }],
    ['permessage-deflate', { clientMaxWindowBits: 11 }, { clientMaxWindowBits: 11 }],
    ['permessage-deflate; server_no_context_takeover', { serverNoContextTakeover: true }, { serverNoContextTakeover: true }],
  ])('%s (offer %j) is accepted as %j', (header, c, expected) => {
    const result = respond(header, c);
    expect(result.ok).toBe(true);
    expect(result.ok && result.params).toMatchObject(expected);
  });

  it.each<[string, Partial<DeflateConfig>]>([
    ['permessage-deflate; foo', {}],
    ['permessage-deflate; __proto__', {}],
    ['permessage-deflate; constructor=1', {}],
    ['permessage-deflate; client_max_window_bits', {}],
    ['permessage-deflate; client_max_window_bits=7', {}],
    ['permessage-deflate; client_max_window_bits=16', {}],
    ['permessage-deflate; server_max_window_bits', {}],
    ['permessage-deflate; server_max_window_bits=07', {}],
    ['permessage-deflate; server_no_context_takeover=1', {}],
    ['permessage-deflate; server_no_context_takeover; server_no_context_takeover', {}],
    ['permessage-deflate; client_max_window_bits=10; client_max_window_bits=10', {}],
    // We asked for things the server did not grant.
    ['permessage-deflate', { serverNoContextTakeover: true }],
    ['permessage-deflate', { serverMaxWindowBits: 10 }],
    ['permessage-deflate; server_max_window_bits=11', { serverMaxWindowBits: 10 }],
    ['permessage-deflate; client_max_window_bits=12', { clientMaxWindowBits: 11 }],
  ])('%s (offer %j) fails', (header, c) => {
    const result = respond(header, c);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.message).toMatch(/^invalid permessage-deflate response: /);
  });
});

describe('perMessageDeflate option values', () => {
  it('resolves true, false and objects over the defaults', () => {
    expect(resolveDeflateConfig(false)).toBeUndefined();
    expect(resolveDeflateConfig(true)).toEqual(DEFAULT_DEFLATE_CONFIG);
    expect(resolveDeflateConfig({ level: 1, thresholdBytes: 0 })).toEqual({ ...DEFAULT_DEFLATE_CONFIG, level: 1, thresholdBytes: 0 });
  });

  it.each<[unknown, RegExp | undefined]>([
    [true, undefined],
    [false, undefined],
    [{}, undefined],
    [{ serverMaxWindowBits: 8, clientMaxWindowBits: 15, level: 0, memLevel: 9, thresholdBytes: 0 }, undefined],
    [null, /must be true, false or an options object/],
    [1, /must be true, false or an options object/],
    [[], /must be true, false or an options object/],
    [{ windowBits: 10 }, /unknown key 'windowBits'/],
    [JSON.parse('{"__proto__": 1}'), /unknown key '__proto__'/],
    [{ serverMaxWindowBits: 7 }, /serverMaxWindowBits must be an integer from 8 to 15/],
    [{ clientMaxWindowBits: 16 }, /clientMaxWindowBits/],
    [{ level: 10 }, /level/],
    [{ memLevel: 0 }, /memLevel/],
    [{ thresholdBytes: -1 }, /thresholdBytes/],
    [{ serverNoContextTakeover: 'yes' }, /must be true or false/],
  ])('%j → %s', (value, problem) => {
    const result = checkDeflateOption(value);
    if (problem === undefined) expect(result).toBeUndefined();
    else expect(result).toMatch(problem);
  });
});

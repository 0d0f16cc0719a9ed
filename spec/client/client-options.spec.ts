import { UsageError } from '../../src/errors';
import {
  CLIENT_OPTION_RULES,
  DEFAULT_CLIENT_OPTIONS,
  MAX_ERROR_BODY_BYTES,
  connectionOptionsOf,
  type ClientOptions,
} from '../../src/client/client-options';
import { DEFAULT_CONNECTION_OPTIONS } from '../../src/rx/connection-options';
import { validateOptions } from '../../src/rx/validate-options';

const validate = (given: Partial<ClientOptions>): ClientOptions =>
  validateOptions<ClientOptions>('client', given, DEFAULT_CLIENT_OPTIONS, CLIENT_OPTION_RULES);

describe('src/client/client-options.ts', () => {
  it('the defaults: the connection defaults, deflate offered, a 10 s handshake, 16 KiB / 100 header lines, HTTP/1.1', () => {
    expect(DEFAULT_CLIENT_OPTIONS).toStrictEqual({
      ...DEFAULT_CONNECTION_OPTIONS,
      perMessageDeflate: true,
      headers: undefined,
      protocols: undefined,
      origin: undefined,
      tls: undefined,
      handshakeTimeoutMs: 10_000,
      maxHeaderBytes: 16_384,
      maxHeaderCount: 100,
      http2: false,
    });
    expect(Object.isFrozen(DEFAULT_CLIENT_OPTIONS)).toBe(true);
    expect(MAX_ERROR_BODY_BYTES).toBe(64 * 1024);
  });

  it('every option has a rule, and the defaults pass them', () => {
    expect(Object.keys(CLIENT_OPTION_RULES).sort()).toEqual(Object.keys(DEFAULT_CLIENT_OPTIONS).sort());
    const given = Object.fromEntries(Object.entries(DEFAULT_CLIENT_OPTIONS).filter(([, v]) => v !== undefined));
    expect(validate(given)).toStrictEqual({ ...DEFAULT_CLIENT_OPTIONS });
  });

  it('accepts the documented forms of the client-only options', () => {
    const options = validate({
      headers: { authorization: 'Bearer x', 'x-n': 1, cookie: ['a=1', 'b=2'] },
      protocols: ['chat', 'superchat'],
      origin: 'https://example.test',
      tls: { rejectUnauthorized: false },
      handshakeTimeoutMs: 1,
      maxHeaderBytes: 256,
      maxHeaderCount: 10_000,
      http2: 'auto',
    });
    expect(options.http2).toBe('auto');
    expect(options.protocols).toEqual(['chat', 'superchat']);
    expect(validate({ http2: true }).http2).toBe(true);
  });

  it.each<[string, Partial<Record<keyof ClientOptions, unknown>>]>([
    ['headers as an array', { headers: [['a', 'b']] }],
    ['headers as a string', { headers: 'authorization: x' }],
    ['protocols with a number', { protocols: ['chat', 1] }],
    ['protocols as a string', { protocols: 'chat' }],
    ['origin not a string', { origin: 1 }],
    ['tls null', { tls: null }],
    ['handshakeTimeoutMs 0', { handshakeTimeoutMs: 0 }],
    ['handshakeTimeoutMs fractional', { handshakeTimeoutMs: 1.5 }],
    ['handshakeTimeoutMs over a 32-bit timer', { handshakeTimeoutMs: 2_147_483_648 }],
    ['maxHeaderBytes under 256', { maxHeaderBytes: 255 }],
    ['maxHeaderBytes over 1 MiB', { maxHeaderBytes: 1024 * 1024 + 1 }],
    ['maxHeaderCount 0', { maxHeaderCount: 0 }],
    ['maxHeaderCount over 10,000', { maxHeaderCount: 10_001 }],
    ['http2 a string', { http2: 'yes' }],
  ])('rejects %s with a UsageError', (_name, given) => {
    expect(() => validate(given as Partial<ClientOptions>)).toThrow(UsageError);
  });

  it('connectionOptionsOf keeps exactly the per-connection options, with their values', () => {
    const options = validate({ maxMessageBytes: 1000, backlogBytes: 77, closeTimeoutMs: 9, streamThresholdBytes: 5, headers: { a: 'b' } });
    const picked = connectionOptionsOf(options);
    expect(Object.keys(picked).sort()).toEqual(Object.keys(DEFAULT_CONNECTION_OPTIONS).sort());
    expect(picked).toStrictEqual({
      ...DEFAULT_CONNECTION_OPTIONS,
      perMessageDeflate: true,
      maxMessageBytes: 1000,
      backlogBytes: 77,
      closeTimeoutMs: 9,
      streamThresholdBytes: 5,
    });
  });
});

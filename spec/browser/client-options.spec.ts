import { CLIENT_OPTION_RULES, DEFAULT_CLIENT_OPTIONS, type ClientOptions } from '../../src/browser/client-options';
import { UsageError } from '../../src/errors';
import { validateOptions } from '../../src/rx/validate-options';

describe('browser client options', () => {
  const check = (given: Partial<ClientOptions>) => validateOptions<ClientOptions>('client', given, DEFAULT_CLIENT_OPTIONS, CLIENT_OPTION_RULES);

  it('has documented defaults, frozen', () => {
    expect(DEFAULT_CLIENT_OPTIONS).toEqual({
      protocols: undefined,
      handshakeTimeoutMs: 10_000,
      closeTimeoutMs: 5_000,
      maxBufferedBytes: 16 * 1024 * 1024,
      backpressure: 'close',
      webSocketClass: undefined,
    });
    expect(Object.isFrozen(DEFAULT_CLIENT_OPTIONS)).toBe(true);
  });

  it('checks each option', () => {
    expect(check({ closeTimeoutMs: 1, maxBufferedBytes: 1, backpressure: 'drop', protocols: ['a'] })).toMatchObject({ closeTimeoutMs: 1, backpressure: 'drop' });
    for (const bad of [{ closeTimeoutMs: 0 }, { maxBufferedBytes: 1.5 }, { backpressure: 'queue' }, { protocols: 'a' }, { webSocketClass: {} }, { handshakeTimeoutMs: -1 }]) {
      expect(() => check(bad as Partial<ClientOptions>)).toThrow(UsageError);
    }
  });

  it('has no option for what a browser cannot do', () => {
    for (const name of ['headers', 'origin', 'tls', 'maxMessageBytes', 'heartbeat', 'perMessageDeflate', 'backlogBytes']) {
      expect(() => check({ [name]: 1 } as never)).toThrow(expect.objectContaining({ code: 'unknown_option' }));
      expect(Object.keys(CLIENT_OPTION_RULES)).not.toContain(name);
    }
  });
});

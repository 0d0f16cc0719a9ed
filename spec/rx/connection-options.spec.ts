import { DEFAULT_CONNECTION_OPTIONS, type ConnectionOptions } from '../../src/rx/connection-options';
import { DEFAULT_PROTOCOL_LIMITS } from '../../src/protocol/limits';
import { CONNECTION_OPTION_RULES, validateOptions } from '../../src/rx/validate-options';

describe('src/rx/connection-options.ts DEFAULT_CONNECTION_OPTIONS', () => {
  it('has the documented default of every option', () => {
    const expected: ConnectionOptions = {
      maxMessageBytes: 32 * 1024 * 1024,
      maxFragments: 131_072,
      closeTimeoutMs: 5_000,
      maxBufferedBytes: 16 * 1024 * 1024,
      backpressure: 'close',
      backlogBytes: 1024 * 1024,
      autoPong: true,
      heartbeat: undefined,
      perMessageDeflate: false,
      streamThresholdBytes: undefined,
    };
    expect(DEFAULT_CONNECTION_OPTIONS).toStrictEqual(expected);
  });

  it('the message limits are the protocol core\'s own defaults', () => {
    expect(DEFAULT_CONNECTION_OPTIONS.maxMessageBytes).toBe(DEFAULT_PROTOCOL_LIMITS.maxMessageBytes);
    expect(DEFAULT_CONNECTION_OPTIONS.maxFragments).toBe(DEFAULT_PROTOCOL_LIMITS.maxFragments);
  });

  it('is frozen', () => {
    expect(Object.isFrozen(DEFAULT_CONNECTION_OPTIONS)).toBe(true);
    expect(() => {
      (DEFAULT_CONNECTION_OPTIONS as ConnectionOptions).closeTimeoutMs = 1;
    }).toThrow(TypeError);
  });

  it('every default passes the option rules, and every option has a rule', () => {
    expect(Object.keys(CONNECTION_OPTION_RULES).sort()).toEqual(Object.keys(DEFAULT_CONNECTION_OPTIONS).sort());
    const given = Object.fromEntries(Object.entries(DEFAULT_CONNECTION_OPTIONS).filter(([, v]) => v !== undefined));
    expect(validateOptions<ConnectionOptions>('connection', given, DEFAULT_CONNECTION_OPTIONS, CONNECTION_OPTION_RULES)).toStrictEqual({
      ...DEFAULT_CONNECTION_OPTIONS,
    });
  });
});

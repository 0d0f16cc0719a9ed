import { RxwsError, jsonCodec } from '../../src';

describe('jsonCodec', () => {
  it('parses JSON text, whatever its value', () => {
    expect(jsonCodec.decode('{"a":[1,2]}')).toEqual({ a: [1, 2] });
    expect(jsonCodec.decode('null')).toBeNull();
    expect(jsonCodec.decode('3')).toBe(3);
  });

  it('refuses binary and text that is not JSON without quoting it', () => {
    expect(() => jsonCodec.decode(new TextEncoder().encode('{}'))).toThrow(new RxwsError('not_text', 'a binary message where JSON text was expected'));
    const secret = '{"password":"hunter2"';
    let error: unknown;
    try {
      jsonCodec.decode(secret);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RxwsError);
    expect((error as RxwsError).code).toBe('not_json');
    expect((error as RxwsError).message).not.toContain('hunter2');
  });

  it('encodes as JSON text, and refuses what JSON cannot represent', () => {
    expect(jsonCodec.encode({ a: 'b' })).toBe('{"a":"b"}');
    expect(() => jsonCodec.encode(undefined)).toThrow(/no JSON form/);
    expect(() => jsonCodec.encode(10n)).toThrow(TypeError);
  });
});

// The bus errors: stable codes, the fields a handler acts on, and messages that never carry
// the bytes a peer sent.
import { RxwsError } from '../../src';
import { BusConnectionError, BusMessageError, BusPublishError, CountTimeoutError } from '../../src/bus/bus-errors';

describe('bus errors', () => {
  it('have stable codes and the fields to act on', () => {
    const cause = new Error('socket closed');
    const publish = new BusPublishError('t:room', cause);
    expect([publish.code, publish.channel, publish.cause, publish.name]).toEqual(['bus_publish_failed', 't:room', cause, 'BusPublishError']);
    expect(new BusConnectionError('lost', cause).code).toBe('bus_disconnected');
    const bad = new BusMessageError('unknown version 9');
    expect([bad.code, bad.reason]).toEqual(['bus_bad_message', 'unknown version 9']);
    const timeout = new CountTimeoutError('room', 2, 1000);
    expect([timeout.code, timeout.topic, timeout.missing, timeout.timeoutMs]).toEqual(['count_timeout', 'room', 2, 1000]);
    expect(timeout.message).toMatch(/2 server\(s\) did not answer .* within 1000 ms/);
    for (const e of [publish, bad, timeout]) expect(e).toBeInstanceOf(RxwsError);
  });
});

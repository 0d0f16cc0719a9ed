// The @rxws/rxws/redis entry: what it exports, and that the errors are the core's own classes
// (so `instanceof` works whichever entry a user imported them from).
import * as core from '../src';
import * as entry from '../src/redis';

describe('the redis entry', () => {
  it('exports redisBus, its defaults and the bus errors shared with the core entry', () => {
    expect(typeof entry.redisBus).toBe('function');
    expect(entry.DEFAULT_REDIS_BUS_OPTIONS).toMatchObject({ channelPrefix: 'rxws:', sharded: false, reconnectMinDelayMs: 50, reconnectMaxDelayMs: 2000 });
    expect(Object.isFrozen(entry.DEFAULT_REDIS_BUS_OPTIONS)).toBe(true);
    expect(entry.BusPublishError).toBe(core.BusPublishError);
    expect(entry.CountTimeoutError).toBe(core.CountTimeoutError);
  });
});

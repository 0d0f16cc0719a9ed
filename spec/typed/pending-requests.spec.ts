import { ConnectionClosedError, TimeoutError, UsageError } from '../../src';
import { PendingRequests } from '../../src/typed/pending-requests';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('PendingRequests', () => {
  it('resolves the request whose id the message carries, once', () => {
    const requests = new PendingRequests('id');
    const got: unknown[] = [];
    requests.add(1, 1000, (r) => got.push(r), () => got.push('rejected'));
    requests.add('1', 1000, (r) => got.push(r), () => got.push('rejected'));
    expect(requests.match({ id: 2 })).toBe(false);
    expect(requests.match(null)).toBe(false);
    expect(requests.match(7)).toBe(false);
    expect(requests.match({ other: 1 })).toBe(false);
    expect(requests.match({ id: 1, n: 'a' })).toBe(true);
    expect(requests.match({ id: 1, n: 'b' })).toBe(false);
    expect(requests.match({ id: '1', n: 'c' })).toBe(true);
    expect(got).toEqual([{ id: 1, n: 'a' }, { id: '1', n: 'c' }]);
    expect(requests.size).toBe(0);
  });

  it('rejects with a TimeoutError after timeoutMs and forgets the request', async () => {
    const requests = new PendingRequests('ref');
    let error: unknown;
    requests.add(1, 10, () => undefined, (e) => (error = e));
    await sleep(30);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).timeoutMs).toBe(10);
    expect(requests.size).toBe(0);
    expect(requests.match({ ref: 1 })).toBe(false);
  });

  it('clears the timer when a request is answered, taken or rejected with the rest', async () => {
    const requests = new PendingRequests('id');
    const outcomes: string[] = [];
    const a = requests.add(1, 20, () => outcomes.push('a answered'), () => outcomes.push('a failed'));
    const b = requests.add(2, 20, () => outcomes.push('b answered'), () => outcomes.push('b failed'));
    requests.add(3, 20, () => outcomes.push('c answered'), (e) => outcomes.push(`c ${(e as Error).name}`));
    requests.match({ id: 1 });
    expect(requests.take(b)).toBe(true);
    expect(requests.take(b)).toBe(false);
    requests.rejectAll(new ConnectionClosedError('closed', 1006, '', false));
    expect(a.timer).toBeUndefined();
    await sleep(40);
    expect(outcomes).toEqual(['a answered', 'c ConnectionClosedError']);
  });

  it('refuses an id that is already waiting', () => {
    const requests = new PendingRequests('id');
    const pending = requests.add(1, 1000, () => undefined, () => undefined);
    expect(() => requests.add(1, 1000, () => undefined, () => undefined)).toThrow(UsageError);
    requests.take(pending);
  });
});

import { EmptyError, NEVER, Observable, Subject, of, throwError } from 'rxjs';
import { isRejection, reject, runAcceptHook, type AcceptDecision, type AcceptHook } from '../../src/server/accept';
import type { UpgradeRequest } from '../../src/rx/upgrade-request';
import { NO_PARAMS } from '../../src/rx/upgrade-request';

const request: UpgradeRequest = {
  method: 'GET', url: '/', path: '/', query: '', params: NO_PARAMS, host: undefined, headers: {}, origin: undefined,
  protocols: [], remoteAddress: '127.0.0.1', remotePort: 1, secure: false,
};

/** Runs a hook, recording what reached `done` and `failed`, in order. */
function run(hook: AcceptHook) {
  const log: Array<['done', AcceptDecision] | ['failed', unknown]> = [];
  const cancel = runAcceptHook(hook, request, (d) => log.push(['done', d]), (e) => log.push(['failed', e]));
  return { log, cancel };
}

describe('src/server/accept.ts', () => {
  it('reject() makes a Rejection with its status, body and headers; defaults: empty body, no headers', () => {
    const r = reject(401, 'log in first', { 'www-authenticate': 'Bearer' });
    expect([r.status, r.body, r.headers]).toEqual([401, 'log in first', { 'www-authenticate': 'Bearer' }]);
    const bare = reject(429);
    expect([bare.body, bare.headers]).toEqual(['', {}]);
  });

  it('isRejection tells a reject() value from look-alikes', () => {
    expect(isRejection(reject(403))).toBe(true);
    for (const other of [undefined, null, true, false, 403, { status: 403, body: '', headers: {} }, { protocol: 'x' }]) {
      expect(isRejection(other)).toBe(false);
    }
  });

  it('a hook that answers synchronously is decided synchronously (no promise per handshake)', () => {
    for (const decision of [undefined, true, false, { protocol: 'chat' }, reject(400)] as AcceptDecision[]) {
      expect(run(() => decision).log).toEqual([['done', decision]]);
    }
  });

  it('the hook sees the request', () => {
    let seen: UpgradeRequest | undefined;
    run((r) => {
      seen = r;
    });
    expect(seen).toBe(request);
  });

  it('a hook that throws reaches failed, synchronously', () => {
    const error = new Error('bug');
    expect(
      run(() => {
        throw error;
      }).log,
    ).toEqual([['failed', error]]);
  });

  it('a promise (or any thenable) is decided when it settles; a rejection reaches failed, never unhandled', async () => {
    const resolved = run(() => Promise.resolve(false));
    expect(resolved.log).toEqual([]);
    await new Promise((r) => setImmediate(r));
    expect(resolved.log).toEqual([['done', false]]);
    const error = new Error('no');
    const rejected = run(() => Promise.reject(error));
    const thenable = run(() => ({ then: (ok: (d: AcceptDecision) => void) => ok(true) }) as PromiseLike<AcceptDecision>);
    await new Promise((r) => setImmediate(r));
    expect(rejected.log).toEqual([['failed', error]]);
    expect(thenable.log).toEqual([['done', true]]);
  });

  it('an Observable: its first value decides, once; an error or an empty completion reach failed', () => {
    const values = new Subject<AcceptDecision>();
    const first = run(() => values);
    values.next(true);
    values.next(false);
    expect(first.log).toEqual([['done', true]]);
    expect(values.observed).toBe(false);
    expect(run(() => of(false, true)).log).toEqual([['done', false]]);
    const error = new Error('x');
    expect(run(() => throwError(() => error)).log).toEqual([['failed', error]]);
    const empty = run(() => new Observable<AcceptDecision>((s) => s.complete())).log;
    expect(empty).toHaveLength(1);
    expect(empty[0]![0]).toBe('failed');
    expect(empty[0]![1]).toBeInstanceOf(EmptyError);
  });

  it('cancel unsubscribes an Observable still waiting, and nothing is decided after', () => {
    const values = new Subject<AcceptDecision>();
    const { log, cancel } = run(() => values);
    expect(values.observed).toBe(true);
    cancel();
    expect(values.observed).toBe(false);
    values.next(true);
    expect(log).toEqual([]);
    // Cancel is harmless for the other forms.
    run(() => true).cancel();
    run(() => NEVER).cancel();
  });
});

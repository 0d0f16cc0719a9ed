import { Subject, config } from 'rxjs';
import { DecodeError, jsonMessages, type Message } from '../../../src';
import { M, scheduler, text } from './marbles';

describe('jsonMessages', () => {
  it('decodes text messages as JSON and ignores binary, pongs and the close event', () => {
    const source = { j: text('{"n":1}'), k: text('[1,2]'), b: M.b, p: M.p, c: M.c };
    scheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('-j-b-k-p-c|', source).pipe(jsonMessages())).toBe('-j---k----|', { j: { n: 1 }, k: [1, 2] });
    });
  });

  it('a message that is not JSON is reported to onError and the stream goes on', () => {
    const reported: DecodeError[] = [];
    const source = { j: text('1'), z: text('{nope'), k: text('"s"') };
    scheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('-j-z-k|', source).pipe(jsonMessages((e) => reported.push(e)))).toBe('-j---k|', { j: 1, k: 's' });
    });
    expect(reported).toHaveLength(1);
    expect(reported[0]).toBeInstanceOf(DecodeError);
    expect(reported[0]).toMatchObject({ code: 'decode_error', text: '{nope' });
    expect(reported[0]!.cause).toBeInstanceOf(SyntaxError);
  });

  it('by default a bad message is dropped silently', () => {
    scheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('-z-j|', { z: text(''), j: text('null') }).pipe(jsonMessages())).toBe('---j|', { j: null });
    });
  });

  it('empty, error and early unsubscribe', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      expectObservable(cold<Message>('|').pipe(jsonMessages())).toBe('|');
      expectObservable(cold<Message>('-#', {}, 'e').pipe(jsonMessages())).toBe('-#', {}, 'e');
      const source = cold('-j-j-j|', { j: text('1') });
      expectObservable(source.pipe(jsonMessages()), '^--!').toBe('-j--', { j: 1 });
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });

  it('an onError callback that throws surfaces as a stream error, not as an uncaught exception (a crash)', async () => {
    // RxJS reports an error thrown inside a plain observer's next() as unhandled (setTimeout →
    // throw → process exit); operators are expected to route user-callback errors downstream.
    const unhandled: unknown[] = [];
    const previous = config.onUnhandledError;
    config.onUnhandledError = (e) => unhandled.push(e);
    try {
      const source = new Subject<Message>();
      let error: unknown;
      source
        .pipe(
          jsonMessages(() => {
            throw new Error('callback bug');
          }),
        )
        .subscribe({ error: (e: unknown) => (error = e) });
      source.next(text('{'));
      await new Promise((resolve) => setTimeout(resolve, 5)); // RxJS reports unhandled errors on a timer
      expect((error as Error | undefined)?.message).toBe('callback bug');
      expect(unhandled).toEqual([]);
    } finally {
      config.onUnhandledError = previous;
    }
  });
});

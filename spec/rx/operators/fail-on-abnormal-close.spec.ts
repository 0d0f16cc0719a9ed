import { ConnectionClosedError, failOnAbnormalClose, type Message } from '../../../src';
import { M, close, scheduler } from './marbles';

describe('failOnAbnormalClose (R20)', () => {
  it('R20 a clean close is emitted and the stream completes', () => {
    scheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('-a-c|', M).pipe(failOnAbnormalClose())).toBe('-a-c|', M);
    });
  });

  it('R20 an abnormal close (1006) is emitted, then the stream errors with ConnectionClosedError', () => {
    scheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('-a-x|', M).pipe(failOnAbnormalClose())).toBe(
        '-a-x#',
        M,
        new ConnectionClosedError('the connection closed abnormally (1006)', 1006, '', false),
      );
    });
  });

  it('R20 the error carries the close code and reason of a failed connection (1002)', () => {
    const failed: Message = { type: 'close', code: 1002, reason: 'reserved bits set', wasClean: false };
    let error: unknown;
    scheduler().run(({ cold }) => {
      cold('-f|', { f: failed }).pipe(failOnAbnormalClose()).subscribe({ error: (e: unknown) => (error = e) });
    });
    expect(error).toBeInstanceOf(ConnectionClosedError);
    expect(error).toMatchObject({ closeCode: 1002, reason: 'reserved bits set', wasClean: false, code: 'connection_closed' });
  });

  it('a clean close with a non-1000 code (4000, wasClean) still completes', () => {
    scheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('-k|', { k: close(4000, true) }).pipe(failOnAbnormalClose())).toBe('-k|', { k: close(4000, true) });
    });
  });

  it('empty source completes; source errors pass through; early unsubscribe unsubscribes', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      expectObservable(cold<Message>('|').pipe(failOnAbnormalClose())).toBe('|');
      expectObservable(cold('-a#', M, 'e').pipe(failOnAbnormalClose())).toBe('-a#', M, 'e');
      const source = cold('-a-a-x|', M);
      expectObservable(source.pipe(failOnAbnormalClose()), '^-!').toBe('-a-', M);
      expectSubscriptions(source.subscriptions).toBe('^-!');
    });
  });
});

import type { Message } from '../../../src';
import { pickData } from '../../../src/rx/operators/pick-data';
import { M, scheduler } from './marbles';

describe('pickData', () => {
  it('with one type keeps that type only', () => {
    scheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('-a-b-p|', M).pipe(pickData('pong'))).toBe('-----p|', { p: new Uint8Array([9]) });
    });
  });

  it('with two types keeps both', () => {
    scheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('-a-b-p|', M).pipe(pickData('text', 'pong'))).toBe('-a---p|', { a: 'a', p: new Uint8Array([9]) });
    });
  });

  it("the close event has no data and is never picked as 'close' data by text/binary pickers", () => {
    scheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('-c|', M).pipe(pickData('text', 'binary'))).toBe('--|');
    });
  });

  it('empty, error and early unsubscribe', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      expectObservable(cold<Message>('|').pipe(pickData('text'))).toBe('|');
      expectObservable(cold<Message>('-#').pipe(pickData('text'))).toBe('-#');
      const source = cold('-a-a-a|', M);
      expectObservable(source.pipe(pickData('text')), '^-!').toBe('-a-', { a: 'a' });
      expectSubscriptions(source.subscriptions).toBe('^-!');
    });
  });
});

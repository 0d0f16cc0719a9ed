import { ofData, type Message } from '../../../src';
import { M, scheduler } from './marbles';

describe('ofData', () => {
  it('keeps text and binary payloads, in order, and drops pongs and the close event', () => {
    scheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('-a-b-p-t-c|', M).pipe(ofData())).toBe('-a-b---t--|', { a: 'a', b: new Uint8Array([1]), t: 't' });
    });
  });

  it('an empty source completes; errors pass through', () => {
    scheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold<Message>('|').pipe(ofData())).toBe('|');
      expectObservable(cold('-a#', M).pipe(ofData())).toBe('-a#', { a: 'a' });
    });
  });

  it('unsubscribing early unsubscribes from the source', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-a|', M);
      expectObservable(source.pipe(ofData()), '^--!').toBe('-a--', { a: 'a' });
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });
});

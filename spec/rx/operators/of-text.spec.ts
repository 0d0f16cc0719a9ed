import { ofText, type Message } from '../../../src';
import { M, scheduler } from './marbles';

describe('ofText', () => {
  it('keeps text messages as strings and drops the rest', () => {
    scheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('-a-b-p-t-c|', M).pipe(ofText())).toBe('-a-----t--|', { a: 'a', t: 't' });
    });
  });

  it('an empty source completes', () => {
    scheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold<Message>('|').pipe(ofText())).toBe('|');
    });
  });

  it('passes errors through', () => {
    scheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('-a-#', M, new Error('e')).pipe(ofText())).toBe('-a-#', { a: 'a' }, new Error('e'));
    });
  });

  it('unsubscribing early unsubscribes from the source', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-a-a-a|', M);
      expectObservable(source.pipe(ofText()), '^--!').toBe('-a--', { a: 'a' });
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });
});

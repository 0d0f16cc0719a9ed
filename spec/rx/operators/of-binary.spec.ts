import { ofBinary, type Message } from '../../../src';
import { M, scheduler } from './marbles';

describe('ofBinary', () => {
  it('keeps binary messages as bytes and drops the rest', () => {
    scheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('-a-b-p-b-x|', M).pipe(ofBinary())).toBe('---b---b--|', { b: new Uint8Array([1]) });
    });
  });

  it('an empty source completes', () => {
    scheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold<Message>('|').pipe(ofBinary())).toBe('|');
    });
  });

  it('passes errors through', () => {
    scheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('-b#', M, 'boom').pipe(ofBinary())).toBe('-b#', { b: new Uint8Array([1]) }, 'boom');
    });
  });

  it('unsubscribing early unsubscribes from the source', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-b-b-b|', M);
      expectObservable(source.pipe(ofBinary()), '^-!').toBe('-b-', { b: new Uint8Array([1]) });
      expectSubscriptions(source.subscriptions).toBe('^-!');
    });
  });

  it('hands out the message bytes themselves (no copy)', () => {
    const message = { type: 'binary' as const, data: new Uint8Array([1, 2]) };
    let got: Uint8Array | undefined;
    scheduler().run(({ cold }) => {
      cold('a|', { a: message }).pipe(ofBinary()).subscribe((d) => (got = d));
    });
    expect(got).toBe(message.data);
  });
});

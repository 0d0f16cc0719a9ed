import { firstValueFrom, from, Subject } from 'rxjs';
import { broadcastTo, type BroadcastTarget, type OutgoingMessage } from '../../../src';
import { Resources, wsMessages } from '../../helpers/harness';
import { scheduler } from './marbles';

class FakeTarget implements BroadcastTarget {
  sent: OutgoingMessage[] = [];
  broadcast(message: OutgoingMessage): number {
    this.sent.push(message);
    return 1;
  }
}

describe('broadcastTo', () => {
  it('sends every value to the target and passes it on unchanged', () => {
    const target = new FakeTarget();
    scheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('-a-b|', { a: 'x', b: 'y' }).pipe(broadcastTo(target))).toBe('-a-b|', { a: 'x', b: 'y' });
    });
    expect(target.sent).toEqual(['x', 'y']);
  });

  it('empty, error and early unsubscribe', () => {
    const target = new FakeTarget();
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      expectObservable(cold<string>('|').pipe(broadcastTo(target))).toBe('|');
      expectObservable(cold<string>('-#').pipe(broadcastTo(target))).toBe('-#');
      const source = cold('-a-a-a|', { a: 'z' });
      expectObservable(source.pipe(broadcastTo(target)), '^--!').toBe('-a--', { a: 'z' });
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
    expect(target.sent).toEqual(['z']);
  });

  it('a target that throws errors the stream', async () => {
    const target: BroadcastTarget = {
      broadcast: () => {
        throw new Error('target broke');
      },
    };
    await expect(firstValueFrom(from(['a']).pipe(broadcastTo(target)))).rejects.toThrow('target broke');
  });

  describe('with a real route', () => {
    const res = new Resources();
    afterEach(() => res.dispose());

    it('every open connection of the route receives each message once, text and binary', async () => {
      const s = await res.server();
      const clients = [await res.client(s.url), await res.client(s.url), await res.client(s.url)];
      for (let i = 0; i < clients.length; i++) await s.nextConnection();
      const received = clients.map((ws) => wsMessages(ws, 2));
      const source = new Subject<OutgoingMessage>();
      source.pipe(broadcastTo(s.route)).subscribe();
      source.next('hello all');
      source.next(new Uint8Array([1, 2, 3]));
      for (const got of await Promise.all(received)) {
        expect(got[0]).toEqual({ data: Buffer.from('hello all'), isBinary: false });
        expect(got[1]).toEqual({ data: Buffer.from([1, 2, 3]), isBinary: true });
      }
    });
  });
});

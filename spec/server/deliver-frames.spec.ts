// deliverFrames: one broadcast's frames to many connections, stalled ones last (R51).
import type { Connection } from '../../src';
import { BroadcastFrames } from '../../src/server/broadcast-frames';
import { deliverFrames } from '../../src/server/deliver-frames';
import { Resources, tick, wsMessages } from '../helpers/harness';

const res = new Resources();
afterEach(() => res.dispose());

const KiB = 1024;

describe('deliverFrames', () => {
  it('writes to every open connection but `except`, skips closing ones (not a drop), and counts', async () => {
    const s = await res.server();
    const clients = [await res.client(s.url), await res.client(s.url), await res.client(s.url)];
    const conns: Connection[] = [await s.nextConnection(), await s.nextConnection(), await s.nextConnection()];
    const drops: string[] = [];
    const listener = { memberDropped: () => drops.push('drop') };
    const got = clients.map((ws) => wsMessages(ws, 1));
    expect(deliverFrames(conns, new BroadcastFrames('all'), undefined, listener)).toBe(3);
    expect((await Promise.all(got)).map((m) => m[0]!.data.toString())).toEqual(['all', 'all', 'all']);
    const closing = conns[0]!.close(1000);
    expect(conns[0]!.state).toBe('closing');
    expect(deliverFrames(conns, new BroadcastFrames('some'), conns[1], listener)).toBe(1);
    expect(drops).toEqual([]);
    await closing;
  });

  it('a connection over its buffer cap meets its policy only after every other one was written to', async () => {
    const s = await res.server({ maxBufferedBytes: 64 * KiB, backpressure: 'drop' });
    const peer = await res.raw(s.port);
    const stalled = await s.nextConnection();
    const ws = await res.client(s.url);
    const other = await s.nextConnection();
    peer.socket.pause();
    const filler = new Uint8Array(16 * KiB);
    while (stalled.bufferedAmount <= 64 * KiB) {
      stalled.sink.next(filler);
      await tick();
    }
    const order: string[] = [];
    // The stalled connection's report is user code: by then `other` must have its frame, so what
    // the callback sends comes after it.
    stalled.errors$.subscribe((e) => {
      order.push(e.code);
      other.sink.next('after');
    });
    const listener = { memberDropped: (c: Connection, closed: boolean) => order.push(`dropped ${c === stalled} closed ${closed}`) };
    const got = wsMessages(ws, 2);
    expect(deliverFrames([stalled, other], new BroadcastFrames('first'), undefined, listener)).toBe(1);
    expect(order).toEqual(['backpressure_drop', 'dropped true closed false']);
    expect((await got).map((m) => m.data.toString())).toEqual(['first', 'after']);
    expect(stalled.state).toBe('open');
  });
});

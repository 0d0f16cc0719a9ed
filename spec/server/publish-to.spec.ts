// publishTo: topic.publish as an operator.
import { firstValueFrom, from, of, toArray } from 'rxjs';
import { UsageError, publishTo } from '../../src';
import { Resources, wsMessages } from '../helpers/harness';

const res = new Resources();
afterEach(() => res.dispose());

describe('publishTo(topic, options)', () => {
  it('publishes every value to the topic (but `except`) and passes it on unchanged', async () => {
    const s = await res.server();
    const wsA = await res.client(s.url);
    const a = await s.nextConnection();
    const wsB = await res.client(s.url);
    const b = await s.nextConnection();
    const room = s.server.topic('room');
    room.join(a);
    room.join(b);
    const atA = wsMessages(wsA, 2);
    const atB = wsMessages(wsB, 3);
    const passed = await firstValueFrom(from(['one', 'two']).pipe(publishTo(room), toArray()));
    expect(passed).toEqual(['one', 'two']);
    expect((await atA).map((m) => m.data.toString())).toEqual(['one', 'two']);
    await firstValueFrom(of('not to b', 'x').pipe(publishTo(room, { except: b }), toArray()));
    room.publish('last');
    expect((await atB).map((m) => m.data.toString())).toEqual(['one', 'two', 'last']);
  });

  it('a value that is not a message errors the pipeline with a UsageError', async () => {
    const s = await res.server();
    await expect(firstValueFrom(of(42 as unknown as string).pipe(publishTo(s.server.topic('room'))))).rejects.toBeInstanceOf(UsageError);
  });
});

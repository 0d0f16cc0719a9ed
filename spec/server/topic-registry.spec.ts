// The server's topic registry: only topics with members are kept (R54), memberships are kept on
// each connection and left on close, and a handle outlives the entry of its name.
import { firstValueFrom } from 'rxjs';
import type { Connection } from '../../src';
import type { TopicRegistry } from '../../src/server/topic-registry';
import { Resources, wsMessage } from '../helpers/harness';

const res = new Resources();
afterEach(() => res.dispose());

/** The registry inside a server, and how many names it holds (tests only). */
function registryOf(server: object): TopicRegistry {
  return (server as { topics: TopicRegistry }).topics;
}
function namesHeld(registry: TopicRegistry): number {
  return (registry as unknown as { topics: Map<string, unknown> }).topics.size;
}

describe('TopicRegistry', () => {
  it('R54 a million one-off topic names, joined and left (or only named and published to), leave nothing behind', async () => {
    const s = await res.server();
    await res.client(s.url);
    const conn = await s.nextConnection();
    const registry = registryOf(s.server);
    for (let i = 0; i < 1_000_000; i++) {
      const topic = s.server.topic(`user-${i}`);
      const membership = topic.join(conn);
      if (i % 2 === 0) topic.publish('');
      membership.unsubscribe();
      s.server.topic(`never-joined-${i}`).publish('x');
    }
    expect(namesHeld(registry)).toBe(0);
    expect(conn.memberships).toBeUndefined();
    expect(conn.topics.size).toBe(0);
  });

  it('a connection that closes leaves all of its topics; the emptied ones are dropped, the others stay', async () => {
    const s = await res.server();
    const wsA = await res.client(s.url);
    const a = await s.nextConnection();
    await res.client(s.url);
    const b = await s.nextConnection();
    const registry = registryOf(s.server);
    for (let i = 0; i < 10_000; i++) s.server.topic(`t${i}`).join(a);
    s.server.topic('t0').join(b);
    expect(namesHeld(registry)).toBe(10_000);
    wsA.close(1000);
    await firstValueFrom(a.closed$);
    expect(namesHeld(registry)).toBe(1);
    expect(s.server.topic('t0').members).toEqual(new Set([b]));
    expect(a.topics.size).toBe(0);
  });

  it('unsubscribing a membership twice, or after the connection closed, is harmless', async () => {
    const s = await res.server();
    const ws = await res.client(s.url);
    const conn: Connection = await s.nextConnection();
    const membership = s.server.topic('room').join(conn);
    membership.unsubscribe();
    membership.unsubscribe();
    const again = s.server.topic('room').join(conn);
    expect(again).not.toBe(membership);
    ws.close(1000);
    await firstValueFrom(conn.closed$);
    expect(again.closed).toBe(true);
    again.unsubscribe();
    expect(namesHeld(registryOf(s.server))).toBe(0);
  });

  it('a teardown added to a membership runs when the connection closes, and cannot join it again', async () => {
    const s = await res.server();
    const ws = await res.client(s.url);
    const conn = await s.nextConnection();
    const membership = s.server.topic('room').join(conn);
    let rejoined: boolean | undefined;
    membership.add(() => (rejoined = !s.server.topic('other').join(conn).closed));
    ws.close(1000);
    await firstValueFrom(conn.closed$);
    expect(rejoined).toBe(false);
    expect(namesHeld(registryOf(s.server))).toBe(0);
  });

  it('handles of one name are one topic, whichever joined first', async () => {
    const s = await res.server();
    const wsA = await res.client(s.url);
    const a = await s.nextConnection();
    const early = s.server.topic('room');
    const other = s.server.topic('room');
    other.join(a);
    expect(early.members.has(a)).toBe(true);
    const got = wsMessage(wsA);
    expect(early.publish('via the first handle')).toBe(1);
    expect((await got).data.toString()).toBe('via the first handle');
  });
});

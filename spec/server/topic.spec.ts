// Topics over real sockets (127.0.0.1, ephemeral ports): membership, publish (encoded once,
// `except`), order per connection, leaving on close, stalled members (R51) and re-entrancy.
import { firstValueFrom, map, toArray } from 'rxjs';
import WebSocket from 'ws';
import { PublishDropError, Topic, UsageError, WebSocketServer, openConnection, ofText, type Connection, type RouteOptions, type RxwsError, type ServerOptions } from '../../src';
import { drainDeflatePool } from '../../src/transport/deflate-codec';
import { sharedDeflateRuns } from '../../src/transport/shared-frame';
import { sleep, tick, until } from '../helpers/harness';
import { RawPeer } from '../helpers/raw-peer';

const KiB = 1024;

const servers: WebSocketServer[] = [];
const clients: WebSocket[] = [];
const peers: RawPeer[] = [];
afterEach(async () => {
  for (const ws of clients.splice(0)) ws.terminate();
  for (const peer of peers.splice(0)) peer.destroy();
  await Promise.all(servers.splice(0).map((s) => s.close({ timeoutMs: 100 })));
});
afterAll(() => drainDeflatePool());

interface Member {
  conn: Connection;
  ws: WebSocket;
  /** What the ws client received: text as is, binary as `bin:<hex>`. */
  got: string[];
}

/** A server with `/` and `/slow` (small outbound cap, for stalled members). */
async function start(slow: Partial<RouteOptions> = {}, options: Partial<ServerOptions> = {}) {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1', ...options });
  servers.push(server);
  const route = server.route({ path: '/' });
  server.route({ path: '/slow', maxBufferedBytes: 64 * KiB, ...slow });
  const { port } = await server.listen();
  const url = `ws://127.0.0.1:${port}`;
  return {
    server,
    route,
    port,
    url,
    async member(deflate = false): Promise<Member> {
      const opened = firstValueFrom(server.connections$);
      const ws = new WebSocket(`${url}/`, { perMessageDeflate: deflate });
      clients.push(ws);
      const got: string[] = [];
      ws.on('message', (data: Buffer, isBinary: boolean) => got.push(isBinary ? `bin:${data.toString('hex')}` : data.toString('utf8')));
      ws.on('error', () => undefined);
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
      });
      return { conn: (await opened) as Connection, ws, got };
    },
    /** A raw peer on /slow that will stop reading when told (its socket paused). */
    async stalled(): Promise<{ conn: Connection; peer: RawPeer }> {
      const opened = firstValueFrom(server.connections$);
      const peer = await RawPeer.connect(port);
      peers.push(peer);
      const response = await peer.upgrade('/slow');
      if (response.status !== 101) throw new Error(`upgrade failed: ${response.status}`);
      const conn = (await opened) as Connection;
      peer.socket.pause();
      return { conn, peer };
    },
  };
}

/** Publishes 16 KiB messages to `topic` until `conn` is over its buffer cap. */
async function fillUntilOverCap(topic: Topic, conn: Connection, cap: number): Promise<number> {
  const filler = Buffer.alloc(16 * KiB, 1);
  let sent = 0;
  while (conn.bufferedAmount <= cap) {
    if (sent > 10_000) throw new Error('the member never backed up');
    topic.publish(filler);
    sent++;
    if (sent % 8 === 0) await tick();
  }
  return sent;
}

/** Waits until a member received `count` messages, then returns them. */
async function received(m: Member, count: number): Promise<string[]> {
  await until(() => m.got.length >= count, 5000, `${count} messages (got ${JSON.stringify(m.got)})`);
  return m.got;
}

describe('server.topic(name)', () => {
  it('returns a Topic of that name; a name that is not a string is a UsageError', async () => {
    const { server } = await start();
    const topic = server.topic('lobby');
    expect(topic).toBeInstanceOf(Topic);
    expect(topic.name).toBe('lobby');
    expect(topic.size).toBe(0);
    expect([...topic.members]).toEqual([]);
    expect(() => server.topic(42 as never)).toThrow(UsageError);
  });

  it('while a topic has members, server.topic(name) returns the handle it was joined through', async () => {
    const s = await start();
    const a = await s.member();
    const lobby = s.server.topic('lobby');
    const membership = lobby.join(a.conn);
    expect(s.server.topic('lobby')).toBe(lobby);
    membership.unsubscribe();
    // Empty: nothing is kept, and the old handle keeps working.
    expect(lobby.join(a.conn).closed).toBe(false);
    expect(s.server.topic('lobby').members.has(a.conn)).toBe(true);
  });
});

describe('join', () => {
  it('a member receives what is published; non-members do not; publish returns the recipients', async () => {
    const s = await start();
    const [a, b, outsider] = [await s.member(), await s.member(), await s.member()];
    const room = s.server.topic('room');
    room.join(a.conn);
    room.join(b.conn);
    expect(room.size).toBe(2);
    expect(room.members).toEqual(new Set([a.conn, b.conn]));
    expect(room.publish('hello')).toBe(2);
    expect(room.publish(Uint8Array.of(1, 2, 3))).toBe(2);
    expect(await received(a, 2)).toEqual(['hello', 'bin:010203']);
    expect(await received(b, 2)).toEqual(['hello', 'bin:010203']);
    outsider.conn.sink.next('marker');
    expect(await received(outsider, 1)).toEqual(['marker']);
  });

  it('joining twice is one membership: the same Subscription, one delivery per publish', async () => {
    const s = await start();
    const a = await s.member();
    const room = s.server.topic('room');
    const first = room.join(a.conn);
    const second = s.server.topic('room').join(a.conn);
    expect(second).toBe(first);
    expect(room.size).toBe(1);
    expect(room.publish('once')).toBe(1);
    a.conn.sink.next('marker');
    expect(await received(a, 2)).toEqual(['once', 'marker']);
  });

  it('conn.topics lists the names joined; unsubscribing leaves', async () => {
    const s = await start();
    const a = await s.member();
    const one = s.server.topic('one').join(a.conn);
    s.server.topic('two').join(a.conn);
    expect(a.conn.topics).toEqual(new Set(['one', 'two']));
    one.unsubscribe();
    expect(a.conn.topics).toEqual(new Set(['two']));
    expect(s.server.topic('one').size).toBe(0);
    expect(s.server.topic('one').publish('nobody')).toBe(0);
    expect(s.server.topic('two').publish('somebody')).toBe(1);
    expect(await received(a, 1)).toEqual(['somebody']);
  });

  it('a connection leaves every topic before its messages$ emits close', async () => {
    const s = await start();
    const [a, b] = [await s.member(), await s.member()];
    const room = s.server.topic('room');
    room.join(a.conn);
    room.join(b.conn);
    s.server.topic('other').join(a.conn);
    const seen = firstValueFrom(
      a.conn.messages$.pipe(
        map((m) => (m.type === 'close' ? `close: member ${room.members.has(a.conn)}, topics ${[...a.conn.topics]}, publish reaches ${room.publish('bye')}` : m.type)),
        toArray(),
      ),
    );
    a.ws.close(1000);
    expect(await seen).toEqual(['close: member false, topics , publish reaches 1']);
    expect(s.server.topic('other').size).toBe(0);
    expect(await received(b, 1)).toEqual(['bye']);
  });

  it('joining a closed connection does nothing and returns a closed Subscription', async () => {
    const s = await start();
    const a = await s.member();
    a.ws.close(1000);
    await firstValueFrom(a.conn.closed$);
    const membership = s.server.topic('room').join(a.conn);
    expect(membership.closed).toBe(true);
    expect(s.server.topic('room').size).toBe(0);
    expect(a.conn.topics.size).toBe(0);
  });

  it("a client connection or another server's connection is a UsageError", async () => {
    const s = await start();
    const other = await start();
    const theirs = await other.member();
    expect(() => s.server.topic('room').join(theirs.conn)).toThrow(UsageError);
    const client = await openConnection(`${s.url}/`);
    try {
      expect(() => s.server.topic('room').join(client)).toThrow(UsageError);
    } finally {
      client.terminate();
    }
  });
});

describe('publish', () => {
  it('except leaves one member out (the sender), also through route.broadcast', async () => {
    const s = await start();
    const [a, b] = [await s.member(), await s.member()];
    const room = s.server.topic('room');
    room.join(a.conn);
    room.join(b.conn);
    expect(room.publish('not to a', { except: a.conn })).toBe(1);
    expect(s.route.broadcast('not to b', { except: b.conn })).toBe(1);
    a.conn.sink.next('marker');
    expect(await received(a, 2)).toEqual(['not to b', 'marker']);
    expect(await received(b, 1)).toEqual(['not to a']);
  });

  it('a value that is not a message is a UsageError, members or not', async () => {
    const s = await start();
    const a = await s.member();
    expect(() => s.server.topic('empty').publish(42 as never)).toThrow(UsageError);
    s.server.topic('room').join(a.conn);
    expect(() => s.server.topic('room').publish({} as never)).toThrow(UsageError);
  });

  it('order: each member gets sink.next, send and publish in the order of the calls', async () => {
    const s = await start();
    const [a, b] = [await s.member(), await s.member()];
    const room = s.server.topic('room');
    room.join(a.conn);
    room.join(b.conn);
    a.conn.sink.next('1 a only');
    room.publish('2 all');
    void a.conn.send('3 a only');
    room.publish('4 b only', { except: a.conn });
    b.conn.sink.next('5 b only');
    room.publish('6 all');
    expect(await received(a, 4)).toEqual(['1 a only', '2 all', '3 a only', '6 all']);
    expect(await received(b, 4)).toEqual(['2 all', '4 b only', '5 b only', '6 all']);
  });

  it('order holds with permessage-deflate, where compression is asynchronous', async () => {
    const s = await start({}, { perMessageDeflate: { thresholdBytes: 0 } });
    const [a, b, plain] = [await s.member(true), await s.member(true), await s.member(false)];
    expect(a.conn.perMessageDeflate).toBeDefined();
    expect(plain.conn.perMessageDeflate).toBeUndefined();
    const room = s.server.topic('room');
    for (const m of [a, b, plain]) room.join(m.conn);
    const big = 'x'.repeat(200 * KiB);
    const expected: string[] = [];
    for (let i = 0; i < 5; i++) {
      for (const m of [a, b, plain]) m.conn.sink.next(`own ${i} ${i === 2 ? big : ''}`);
      room.publish(`shared ${i} ${i === 3 ? big : ''}`);
      expected.push(`own ${i} ${i === 2 ? big : ''}`, `shared ${i} ${i === 3 ? big : ''}`);
    }
    for (const m of [a, b, plain]) expect(await received(m, 10)).toEqual(expected);
  });

  it('with permessage-deflate, a publish is compressed once per compressor setting, not once per member', async () => {
    const s = await start({}, { perMessageDeflate: { thresholdBytes: 0 } });
    const members = [await s.member(true), await s.member(true), await s.member(true), await s.member(false)];
    const room = s.server.topic('room');
    for (const m of members) room.join(m.conn);
    const runs = sharedDeflateRuns();
    const text = 'compress me once '.repeat(100);
    expect(room.publish(text)).toBe(4);
    expect(room.publish(text, { except: members[0]!.conn })).toBe(3);
    for (const m of members.slice(1)) expect(await received(m, 2)).toEqual([text, text]);
    expect(await received(members[0]!, 1)).toEqual([text]);
    // Three members share one setting (window 15), the fourth has no compression at all: one
    // zlib run per publish.
    expect(sharedDeflateRuns() - runs).toBe(2);
  });

  it('a publish followed by a leave in the same tick is delivered; a join after a publish does not get it', async () => {
    const s = await start();
    const [a, b] = [await s.member(), await s.member()];
    const room = s.server.topic('room');
    const membership = room.join(a.conn);
    expect(room.publish('before leave')).toBe(1);
    membership.unsubscribe();
    room.join(b.conn);
    a.conn.sink.next('a marker');
    b.conn.sink.next('b marker');
    expect(await received(a, 2)).toEqual(['before leave', 'a marker']);
    expect(await received(b, 1)).toEqual(['b marker']);
  });

  it('a member closing in the same tick as a publish: the others get it, nothing throws', async () => {
    const s = await start();
    const [a, b] = [await s.member(), await s.member()];
    const room = s.server.topic('room');
    room.join(a.conn);
    room.join(b.conn);
    a.conn.terminate();
    expect(() => room.publish('after terminate')).not.toThrow();
    expect(await received(b, 1)).toEqual(['after terminate']);
    await firstValueFrom(a.conn.closed$);
    expect(room.members).toEqual(new Set([b.conn]));
  });

  it('publishing from inside a member\'s messages$ handler (a chat room) reaches everyone', async () => {
    const s = await start();
    const [a, b] = [await s.member(), await s.member()];
    const room = s.server.topic('room');
    for (const m of [a, b]) {
      room.join(m.conn);
      m.conn.messages$.pipe(ofText()).subscribe((text) => room.publish(text, { except: m.conn }));
    }
    a.ws.send('from a');
    b.ws.send('from b');
    expect(await received(b, 1)).toEqual(['from a']);
    expect(await received(a, 1)).toEqual(['from b']);
  });
});

describe('R51 a stalled member', () => {
  it("policy 'drop': the others get every message in order; each drop is a PublishDropError on server.errors$", async () => {
    const s = await start({ backpressure: 'drop' });
    const [a, b] = [await s.member(), await s.member()];
    const slow = await s.stalled();
    const room = s.server.topic('room');
    room.join(a.conn);
    room.join(slow.conn);
    room.join(b.conn);
    const errors: RxwsError[] = [];
    s.server.errors$.subscribe((e) => errors.push(e));
    const fills = await fillUntilOverCap(room, slow.conn, 64 * KiB);
    expect(room.publish('after the stall')).toBe(2);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(PublishDropError);
    expect(errors[0]).toMatchObject({ code: 'publish_dropped', topic: 'room', connection: slow.conn, closed: false });
    expect(slow.conn.state).toBe('open');
    for (const m of [a, b]) {
      const got = await received(m, fills + 1);
      expect(got).toHaveLength(fills + 1);
      expect(got[fills]).toBe('after the stall');
    }
  });

  it("policy 'close': the member is failed with 1008 (reported once), the others carry on", async () => {
    const s = await start({ backpressure: 'close', closeTimeoutMs: 100 });
    const a = await s.member();
    const slow = await s.stalled();
    const room = s.server.topic('room');
    room.join(slow.conn);
    room.join(a.conn);
    const errors: RxwsError[] = [];
    s.server.errors$.subscribe((e) => errors.push(e));
    const closed = firstValueFrom(slow.conn.closed$);
    const fills = await fillUntilOverCap(room, slow.conn, 64 * KiB);
    expect(room.publish('one')).toBe(1);
    expect(room.publish('two')).toBe(1);
    expect(errors.map((e) => [e.code, (e as PublishDropError).closed])).toEqual([['publish_dropped', true]]);
    await expect(closed).resolves.toMatchObject({ code: 1008 });
    expect(room.members).toEqual(new Set([a.conn]));
    expect((await received(a, fills + 2)).slice(fills)).toEqual(['one', 'two']);
  });

  it('R51 at scale: one stalled member among 1,000; the others get all 100 messages in order, each drop reported', async () => {
    const s = await start({ backpressure: 'drop' });
    const slow = await s.stalled();
    const room = s.server.topic('room');
    room.join(slow.conn);
    // Filled through its own sink, so only the stalled member has a backlog.
    const filler = Buffer.alloc(64 * KiB, 1);
    while (slow.conn.bufferedAmount <= 64 * KiB) {
      slow.conn.sink.next(filler);
      await tick();
    }
    const members: RawPeer[] = [];
    const joined = s.server.connections$.subscribe((conn) => room.join(conn));
    for (let i = 0; i < 1000; i += 50) {
      const batch = await Promise.all(
        Array.from({ length: 50 }, async () => {
          const peer = await RawPeer.connect(s.port);
          peers.push(peer);
          if ((await peer.upgrade('/')).status !== 101) throw new Error('upgrade failed');
          return peer;
        }),
      );
      members.push(...batch);
    }
    joined.unsubscribe();
    expect(room.size).toBe(1001);
    const drops: RxwsError[] = [];
    s.server.errors$.subscribe((e) => drops.push(e));
    for (let i = 0; i < 100; i++) {
      expect(room.publish(`m${i}`)).toBe(1000);
      if (i % 10 === 9) await tick();
    }
    expect(drops).toHaveLength(100);
    expect(drops.every((e) => (e as PublishDropError).connection === slow.conn && !(e as PublishDropError).closed)).toBe(true);
    const expected = Array.from({ length: 100 }, (_, i) => `m${i}`);
    for (const peer of members) {
      const frames = await peer.frames(100, 10_000);
      expect(frames.map((f) => f.payload.toString('utf8'))).toEqual(expected);
    }
    expect(slow.conn.state).toBe('open');
  }, 60_000);

  it('re-entrancy: joining, leaving, publishing and closing from the drop report are safe, and order holds', async () => {
    const s = await start({ backpressure: 'drop' });
    const slow = await s.stalled();
    const [a, b, c] = [await s.member(), await s.member(), await s.member()];
    const room = s.server.topic('room');
    // The stalled member first: its drop is reported while the others are still to be served
    // in the iteration order, unless every other member is served first.
    room.join(slow.conn);
    room.join(a.conn);
    const leaving = room.join(b.conn);
    const fills = await fillUntilOverCap(room, slow.conn, 64 * KiB);
    let reentered = false;
    s.server.errors$.subscribe(() => {
      if (reentered) return;
      reentered = true;
      leaving.unsubscribe(); // b leaves after the publish: it still gets 'first'
      room.join(c.conn); // c joins after it: it gets 'second' only
      room.publish('second');
      a.conn.sink.next('direct');
      slow.conn.terminate();
    });
    // a also hears of the drop on the member's own errors$ (a user callback during the publish).
    slow.conn.errors$.subscribe(() => a.conn.sink.next('from errors$'));
    expect(room.publish('first')).toBe(2);
    expect(reentered).toBe(true);
    // The nested publish is dropped for the stalled member too, which its errors$ reports again.
    expect((await received(a, fills + 5)).slice(fills)).toEqual(['first', 'from errors$', 'second', 'from errors$', 'direct']);
    expect((await received(b, fills + 1)).slice(fills)).toEqual(['first']);
    expect(await received(c, 1)).toEqual(['second']);
    await firstValueFrom(slow.conn.closed$);
    expect(room.members).toEqual(new Set([a.conn, c.conn]));
    await sleep(20);
    expect(b.got).toHaveLength(fills + 1);
  });
});

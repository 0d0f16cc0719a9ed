import { PassThrough } from 'node:stream';
import WebSocket from 'ws';
import { startBroadcastServer, type BroadcastServer, type ChatEvent } from '../../examples/broadcast-server';

/** A `ws` client that records the JSON events it receives and how it was closed. */
class Peer {
  readonly events: ChatEvent[] = [];
  readonly socket: WebSocket;
  readonly opened: Promise<void>;
  readonly closed: Promise<{ code: number; reason: string }>;
  private waiters: Array<() => void> = [];

  constructor(url: string) {
    this.socket = new WebSocket(url);
    this.socket.on('message', (data, isBinary) => {
      if (!isBinary) this.events.push(JSON.parse(data.toString()) as ChatEvent);
      this.waiters.forEach((w) => w());
    });
    this.opened = new Promise((resolve, reject) => {
      this.socket.once('open', () => resolve());
      this.socket.once('error', reject);
    });
    this.closed = new Promise((resolve) => this.socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  /** Resolves with the first recorded event that matches, waiting for it if need be. */
  next<T extends ChatEvent['type']>(type: T, match: (e: Extract<ChatEvent, { type: T }>) => boolean = () => true, timeoutMs = 5000) {
    return new Promise<Extract<ChatEvent, { type: T }>>((resolve, reject) => {
      const check = () => {
        const found = this.events.find((e) => e.type === type && match(e as Extract<ChatEvent, { type: T }>));
        if (found === undefined) return false;
        cleanup();
        resolve(found as Extract<ChatEvent, { type: T }>);
        return true;
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`no ${type} event within ${timeoutMs} ms; got ${JSON.stringify(this.events)}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== waiter);
      };
      const waiter = () => void check();
      if (!check()) this.waiters.push(waiter);
    });
  }
}

describe('examples/broadcast-server', () => {
  let chat: BroadcastServer;
  let commands: PassThrough;
  const peers: Peer[] = [];

  async function join(): Promise<Peer> {
    const peer = new Peer(chat.wsUrl);
    peers.push(peer);
    await peer.opened;
    await peer.next('welcome');
    return peer;
  }

  beforeEach(async () => {
    commands = new PassThrough();
    chat = await startBroadcastServer({ port: 0, host: '127.0.0.1', input: commands });
  });

  afterEach(async () => {
    // Clients leave with a closing handshake; a dropped TCP connection is the test further down.
    await Promise.all(
      peers.splice(0).map((peer) => {
        if (peer.socket.readyState === WebSocket.OPEN) peer.socket.close(1000);
        return peer.closed;
      }),
    );
    await chat.close();
    commands.end();
  });

  it('serves the chat page at / and 404 elsewhere', async () => {
    const page = await fetch(chat.url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toContain("connect-src 'self'");
    expect(await page.text()).toContain('<title>rxws chat</title>');
    const missing = await fetch(new URL('/nope', chat.url));
    expect(missing.status).toBe(404);
    await missing.text();
  });

  it('serves the page\'s ES modules: the rxws browser entry and rxjs, allowed by the CSP', async () => {
    const page = await fetch(chat.url);
    const html = await page.text();
    expect(html).toContain("from '/modules/rxws-browser.js'");
    expect(html).toContain('"rxjs": "/modules/rxjs.js"');
    expect(page.headers.get('content-security-policy')).toMatch(/script-src 'self' 'sha256-[^']+' 'sha256-[^']+'/);
    for (const path of ['/modules/rxws-browser.js', '/modules/rxjs.js']) {
      const module = await fetch(new URL(path, chat.url));
      expect([path, module.status, module.headers.get('content-type')]).toEqual([path, 200, 'text/javascript; charset=utf-8']);
      expect((await module.text()).length).toBeGreaterThan(1000);
    }
  });

  it('welcomes a newcomer with its name and who is online, and tells everyone it joined', async () => {
    const a = await join();
    expect(a.events[0]).toEqual({ type: 'welcome', name: 'guest-1', room: 'lobby', online: ['guest-1'] });
    const b = await join();
    expect(b.events[0]).toEqual({ type: 'welcome', name: 'guest-2', room: 'lobby', online: ['guest-1', 'guest-2'] });
    await expect(a.next('join', (e) => e.name === 'guest-2')).resolves.toMatchObject({ name: 'guest-2', room: 'lobby', at: expect.any(Number) });
    await b.next('join', (e) => e.name === 'guest-2');
  });

  it('broadcasts every line to everyone, sender included, with the sender name', async () => {
    const a = await join();
    const b = await join();
    a.socket.send('hello b');
    b.socket.send('hello a');
    for (const peer of [a, b]) {
      await peer.next('chat', (e) => e.from === 'guest-1' && e.text === 'hello b');
      await peer.next('chat', (e) => e.from === 'guest-2' && e.text === 'hello a');
    }
  });

  it('`call me <name>` renames the sender for everyone; later lines carry the new name', async () => {
    const a = await join();
    const b = await join();
    b.socket.send('call me Bob');
    await a.next('rename', (e) => e.from === 'guest-2' && e.to === 'Bob');
    await b.next('rename', (e) => e.from === 'guest-2' && e.to === 'Bob');
    b.socket.send('now with a name');
    await a.next('chat', (e) => e.from === 'Bob' && e.text === 'now with a name');
  });

  it('refuses a taken or invalid name to the asker only', async () => {
    const a = await join();
    const b = await join();
    a.socket.send('call me Ann');
    await b.next('rename', (e) => e.to === 'Ann');
    b.socket.send('call me ann');
    await b.next('notice', (e) => e.text === 'the name ann is taken');
    b.socket.send('call me');
    await b.next('notice', (e) => e.text === 'usage: call me <name>');
    b.socket.send('call me <script>');
    await b.next('notice', (e) => e.text.startsWith('a name is letters'));
    a.socket.send('marker');
    await a.next('chat', (e) => e.text === 'marker');
    expect(a.events.filter((e) => e.type === 'notice')).toEqual([]);
  });

  it('tells the others when someone leaves, under the name they had', async () => {
    const a = await join();
    const b = await join();
    b.socket.send('call me Bob');
    await a.next('rename', (e) => e.to === 'Bob');
    b.socket.close(1000);
    await expect(b.closed).resolves.toMatchObject({ code: 1000 });
    await a.next('leave', (e) => e.name === 'Bob');
    expect(chat.route.connections.size).toBe(1);
  });

  it('tells the others when someone drops without a closing handshake (1006)', async () => {
    const a = await join();
    const b = await join();
    b.socket.terminate();
    await a.next('leave', (e) => e.name === 'guest-2', 2000);
  });

  it('`join <room>` moves the sender: the old room hears the leave, the new one the join, and lines stay in their room', async () => {
    const a = await join();
    const b = await join();
    const c = await join();
    b.socket.send('join Games');
    await expect(b.next('room')).resolves.toEqual({ type: 'room', room: 'games', online: ['guest-2'] });
    await b.next('join', (e) => e.name === 'guest-2' && e.room === 'games');
    await a.next('leave', (e) => e.name === 'guest-2' && e.room === 'lobby');
    c.socket.send('join #games');
    await expect(c.next('room')).resolves.toEqual({ type: 'room', room: 'games', online: ['guest-2', 'guest-3'] });
    await b.next('join', (e) => e.name === 'guest-3' && e.room === 'games');

    a.socket.send('lobby only');
    b.socket.send('games only');
    await a.next('chat', (e) => e.text === 'lobby only' && e.room === 'lobby');
    await c.next('chat', (e) => e.text === 'games only' && e.room === 'games');
    // A marker through each room: by the time it arrives, the other room's line would have too.
    a.socket.send('lobby marker');
    c.socket.send('games marker');
    await a.next('chat', (e) => e.text === 'lobby marker');
    await b.next('chat', (e) => e.text === 'games marker');
    expect(a.events.filter((e) => e.type === 'chat').map((e) => (e as { text: string }).text)).toEqual(['lobby only', 'lobby marker']);
    expect(b.events.filter((e) => e.type === 'chat').map((e) => (e as { text: string }).text)).toEqual(['games only', 'games marker']);
    expect(a.events.some((e) => e.type === 'join' && e.room === 'games')).toBe(false);
  });

  it('the online list is per room, and a leaver is no longer in it when its leave is announced', async () => {
    const a = await join();
    const b = await join();
    b.socket.send('join games');
    await b.next('room');
    const c = await join();
    expect(c.events[0]).toEqual({ type: 'welcome', name: 'guest-3', room: 'lobby', online: ['guest-1', 'guest-3'] });
    a.socket.close(1000);
    await c.next('leave', (e) => e.name === 'guest-1' && e.room === 'lobby');
    expect(chat.server.topic('room:lobby').members.size).toBe(1);
    c.socket.send('join games');
    await expect(c.next('room')).resolves.toEqual({ type: 'room', room: 'games', online: ['guest-2', 'guest-3'] });
    expect(chat.server.topic('room:lobby').size).toBe(0);
  });

  it('refuses a bad room, or the room one is in, to the asker only', async () => {
    const a = await join();
    const b = await join();
    b.socket.send('join');
    await b.next('notice', (e) => e.text === 'usage: join <room>');
    b.socket.send('join a b');
    await b.next('notice', (e) => e.text.startsWith('a room name is letters'));
    b.socket.send('join lobby');
    await b.next('notice', (e) => e.text === 'you are already in #lobby');
    a.socket.send('marker');
    await a.next('chat', (e) => e.text === 'marker');
    expect(a.events.filter((e) => e.type === 'notice' || e.type === 'leave')).toEqual([]);
  });

  it('`send <text>` on stdin reaches everyone, in every room, as a server notice', async () => {
    const a = await join();
    const b = await join();
    b.socket.send('join elsewhere');
    await b.next('room');
    commands.write('send maintenance at noon\n');
    await a.next('notice', (e) => e.text === 'maintenance at noon');
    await b.next('notice', (e) => e.text === 'maintenance at noon');
  });

  it('`exit` on stdin closes every client with 1001 and shuts the server down', async () => {
    const a = await join();
    const b = await join();
    commands.write('exit\n');
    const [closedA, closedB] = await Promise.all([a.closed, b.closed]);
    expect(closedA).toEqual({ code: 1001, reason: 'server shutting down' });
    expect(closedB).toEqual({ code: 1001, reason: 'server shutting down' });
    await chat.closed;
    expect(chat.http.listening).toBe(false);
    await expect(fetch(chat.url)).rejects.toThrow();
  });
});

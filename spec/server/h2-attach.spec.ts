// The server side of WebSockets over HTTP/2 (RFC 8441): a WebSocketServer attached to a
// node:http2 server, probed with Node's own http2 client sending raw extended CONNECTs.
import * as http2 from 'node:http2';
import { firstValueFrom } from 'rxjs';
import { WebSocketServer, ofData, openConnection, reject, type Connection, type RxwsError } from '../../src';
import { Opcode } from '../../src/protocol/opcode';
import { h2Session, rawStream, startH2Server, type H2Server } from '../helpers/h2';
import { closePayload } from '../helpers/raw-peer';

const echo = (conn: Connection) => conn.messages$.pipe(ofData()).subscribe((data) => conn.sink.next(data));

describe('WebSocketServer attached to a node:http2 server (RFC 8441)', () => {
  let h2: H2Server;
  let wss: WebSocketServer;
  let opened: Connection[];
  let errors: RxwsError[];
  const sessions: http2.ClientHttp2Session[] = [];

  async function setUp(options: { secure?: boolean; compat?: boolean } = {}): Promise<void> {
    h2 = await startH2Server(options);
    wss = new WebSocketServer({ server: h2.server });
    opened = [];
    errors = [];
    wss.connections$.subscribe((conn) => opened.push(conn));
    wss.errors$.subscribe((error) => errors.push(error));
    wss.route({ path: '/echo', protocols: ['chat'], handle: (conn) => void echo(conn) });
    wss.route({ path: '/only-from-a', allowOrigins: ['https://a.example'], handle: (conn) => void echo(conn) });
    wss.route({ path: '/deflate', perMessageDeflate: true, handle: (conn) => void echo(conn) });
    wss.route({
      path: '/login',
      accept: (request) => (request.headers['authorization'] === 'Bearer ok' ? { headers: { 'x-welcome': 'yes' }, data: 'member' } : reject(401, 'log in first', { 'www-authenticate': 'Bearer' })),
      handle: (conn) => void echo(conn),
    });
    wss.route({ path: '/bad-header', accept: () => ({ headers: { 'x-evil': 'a\r\nb' } }) });
    wss.route({ path: '/one', maxConnections: 1, handle: (conn) => void echo(conn) });
  }

  async function session(): Promise<{ session: http2.ClientHttp2Session; settings: http2.Settings }> {
    const made = await h2Session(h2);
    sessions.push(made.session);
    return made;
  }

  afterEach(async () => {
    for (const s of sessions.splice(0)) s.destroy();
    await wss.close({ timeoutMs: 200 });
    await h2.close();
  });

  describe('with a compatibility-layer request handler, over TLS', () => {
    beforeEach(() => setUp());

    it('advertises SETTINGS_ENABLE_CONNECT_PROTOCOL and answers a WebSocket CONNECT with 200 and an open connection', async () => {
      const { session: s, settings } = await session();
      expect(settings.enableConnectProtocol).toBe(true);
      const raw = await rawStream(s, '/echo?room=1', { origin: 'https://page.example', 'sec-websocket-protocol': 'other, chat', 'x-custom': 'v' });
      expect(raw.status).toBe(200);
      expect(raw.headers['sec-websocket-protocol']).toBe('chat');
      expect(raw.headers['sec-websocket-accept']).toBeUndefined();
      raw.send(Opcode.Text, 'hello');
      const [reply] = await raw.frame(1);
      expect(reply).toMatchObject({ opcode: Opcode.Text, masked: false });
      expect(reply!.payload.toString()).toBe('hello');
      const conn = opened[0]!;
      expect(conn.request).toMatchObject({
        method: 'CONNECT',
        url: '/echo?room=1',
        path: '/echo',
        query: 'room=1',
        host: `127.0.0.1:${h2.port}`,
        origin: 'https://page.example',
        protocols: ['other', 'chat'],
        remoteAddress: '127.0.0.1',
        secure: true,
      });
      expect(conn.request.headers['x-custom']).toBe('v');
      expect(conn.protocol).toBe('chat');
    });

    it('closes with our close frame, END_STREAM and then the stream closed, the peer code reaching the app', async () => {
      const { session: s } = await session();
      const raw = await rawStream(s, '/echo');
      const conn = opened[0]!;
      raw.send(Opcode.Close, closePayload(4001, 'bye'));
      const [reply] = await raw.frame(1);
      expect(reply!.opcode).toBe(Opcode.Close);
      expect(reply!.payload.readUInt16BE(0)).toBe(4001);
      raw.stream.end();
      expect(await raw.closed).toBe(http2.constants.NGHTTP2_NO_ERROR);
      expect(await firstValueFrom(conn.closed$)).toMatchObject({ code: 4001, reason: 'bye', wasClean: true });
    });

    it('server close(): a close frame with the code, then the stream ends', async () => {
      const { session: s } = await session();
      const raw = await rawStream(s, '/echo');
      const closing = opened[0]!.close(4002, 'from the server');
      const [frame] = await raw.frame(1);
      expect(frame!.opcode).toBe(Opcode.Close);
      expect(frame!.payload.readUInt16BE(0)).toBe(4002);
      raw.send(Opcode.Close, closePayload(4002));
      expect(await closing).toMatchObject({ code: 4002, wasClean: true });
      await raw.closed;
    });

    it('keeps Node\'s 405 for a CONNECT that is not a WebSocket, and leaves it to an application listener when there is one', async () => {
      const { session: s } = await session();
      const tunnel = await rawStream(s, '/', { ':protocol': 'connect-udp' });
      expect(tunnel.status).toBe(405);
      // Node gives every CONNECT to every 'connect' listener; the application's passes on ours.
      h2.server.on('connect', (request: http2.Http2ServerRequest, response: http2.Http2ServerResponse) => {
        if (request.headers[':protocol'] === 'websocket') return;
        response.writeHead(418);
        response.end('mine');
      });
      const mine = await rawStream(s, '/', { ':protocol': 'connect-udp' });
      expect(mine.status).toBe(418);
      expect(await mine.body()).toBe('mine');
      // The application's listener does not take WebSockets away from us.
      expect((await rawStream(s, '/echo')).status).toBe(200);
      expect(opened).toHaveLength(1);
    });

    it.each([
      ['no route', '/nowhere', {}, 404],
      ['a wrong version', '/echo', { 'sec-websocket-version': '8' }, 426],
      ['an origin outside the allowlist', '/only-from-a', { origin: 'https://b.example' }, 403],
      ['an accept hook that rejects', '/login', {}, 401],
      ['an accept hook whose header cannot be sent', '/bad-header', {}, 500],
    ])('refuses %s with an HTTP status, and no connection', async (_what, path, headers, status) => {
      const { session: s } = await session();
      const raw = await rawStream(s, path, headers);
      expect(raw.status).toBe(status);
      await raw.body();
      expect(opened).toHaveLength(0);
      // The session is fine: the next request on it works.
      expect((await rawStream(s, '/echo')).status).toBe(200);
    });

    it('gives the accept hook\'s status, headers and body, and its headers and data on success', async () => {
      const { session: s } = await session();
      const refused = await rawStream(s, '/login');
      expect(refused.headers['www-authenticate']).toBe('Bearer');
      expect(await refused.body()).toBe('log in first');
      const welcome = await rawStream(s, '/login', { authorization: 'Bearer ok' });
      expect(welcome.status).toBe(200);
      expect(welcome.headers['x-welcome']).toBe('yes');
      expect(opened[0]!.data).toBe('member');
      const bad = await rawStream(s, '/bad-header');
      expect(bad.status).toBe(500);
      expect(errors.map((e) => e.code)).toContain('invalid_header');
    });

    it('applies route caps: the second connection on a full route gets 503', async () => {
      const { session: s } = await session();
      expect((await rawStream(s, '/one')).status).toBe(200);
      expect((await rawStream(s, '/one')).status).toBe(503);
    });

    it('negotiates permessage-deflate as for HTTP/1.1', async () => {
      const { session: s } = await session();
      const raw = await rawStream(s, '/deflate', { 'sec-websocket-extensions': 'permessage-deflate; client_max_window_bits' });
      expect(raw.headers['sec-websocket-extensions']).toMatch(/^permessage-deflate/);
      expect(opened[0]!.perMessageDeflate).toBeDefined();
    });

    it('RST_STREAM from the peer ends that WebSocket with 1006; the session and its other WebSockets live on', async () => {
      const { session: s } = await session();
      const doomed = await rawStream(s, '/echo');
      const other = await rawStream(s, '/echo');
      const [doomedConn, otherConn] = opened;
      doomed.stream.close(http2.constants.NGHTTP2_CANCEL);
      expect(await firstValueFrom(doomedConn!.closed$)).toMatchObject({ code: 1006, wasClean: false });
      other.send(Opcode.Text, 'still here');
      const [reply] = await other.frame(1);
      expect(reply!.payload.toString()).toBe('still here');
      expect(otherConn!.state).toBe('open');
      expect((await rawStream(s, '/echo')).status).toBe(200);
    });

    it('a protocol error on one stream (an unmasked frame, 1002) resets only that stream', async () => {
      const { session: s } = await session();
      const bad = await rawStream(s, '/echo');
      const good = await rawStream(s, '/echo');
      const [badConn, goodConn] = opened;
      bad.send(Opcode.Text, 'unmasked', { mask: false });
      const [closeFrame] = await bad.frame(1);
      expect(closeFrame!.opcode).toBe(Opcode.Close);
      expect(closeFrame!.payload.readUInt16BE(0)).toBe(1002);
      await bad.closed;
      expect(await firstValueFrom(badConn!.closed$)).toMatchObject({ code: 1002 });
      good.send(Opcode.Text, 'unharmed');
      expect((await good.frame(1))[0]!.payload.toString()).toBe('unharmed');
      expect(goodConn!.state).toBe('open');
      expect(s.closed || s.destroyed).toBe(false);
    });

    it('GOAWAY from the peer closes every WebSocket of that session with 1001, and only those', async () => {
      const { session: leaving } = await session();
      const { session: staying } = await session();
      const gone = [await rawStream(leaving, '/echo'), await rawStream(leaving, '/echo')];
      const kept = await rawStream(staying, '/echo');
      const [a, b, c] = opened;
      leaving.goaway(http2.constants.NGHTTP2_NO_ERROR);
      for (const raw of gone) {
        const [frame] = await raw.frame(1);
        expect(frame!.opcode).toBe(Opcode.Close);
        expect(frame!.payload.readUInt16BE(0)).toBe(1001);
        raw.send(Opcode.Close, closePayload(1001));
      }
      expect(await firstValueFrom(a!.closed$)).toMatchObject({ code: 1001, wasClean: true });
      expect(await firstValueFrom(b!.closed$)).toMatchObject({ code: 1001, wasClean: true });
      kept.send(Opcode.Text, 'fine');
      expect((await kept.frame(1))[0]!.payload.toString()).toBe('fine');
      expect(c!.state).toBe('open');
    });

    it('a destroyed session ends each of its WebSockets with 1006, none hangs', async () => {
      const { session: s } = await session();
      await rawStream(s, '/echo');
      await rawStream(s, '/echo');
      s.destroy();
      const closes = await Promise.all(opened.map((conn) => firstValueFrom(conn.closed$)));
      expect(closes.map((m) => m.code)).toEqual([1006, 1006]);
      expect(wss.connections.size).toBe(0);
    });

    it('HTTP/1.1 upgrades keep working on the same server (allowHTTP1)', async () => {
      const conn = await openConnection(`wss://127.0.0.1:${h2.port}/echo`, { tls: { rejectUnauthorized: false } });
      conn.sink.next('over http/1.1');
      expect(await conn.waitForMessage('text', { timeoutMs: 2000 })).toMatchObject({ data: 'over http/1.1' });
      expect(opened[0]!.request.method).toBe('GET');
      await conn.close();
    });

    it('close(): 1001 to the WebSockets over h2, and new sessions are no longer offered the setting', async () => {
      const { session: s } = await session();
      const raw = await rawStream(s, '/echo');
      const closing = wss.close({ timeoutMs: 2000 });
      const [frame] = await raw.frame(1);
      expect(frame!.payload.readUInt16BE(0)).toBe(1001);
      raw.send(Opcode.Close, closePayload(1001));
      await closing;
      expect(await firstValueFrom(opened[0]!.closed$)).toMatchObject({ code: 1001, wasClean: true });
      const { settings } = await session();
      expect(settings.enableConnectProtocol).toBe(false);
    });
  });

  describe('with streams only (no compatibility layer)', () => {
    beforeEach(() => setUp({ compat: false }));

    it('serves WebSocket CONNECTs and leaves other streams to the application', async () => {
      h2.server.on('stream', (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders) => {
        if (headers[':protocol'] === 'websocket') return;
        stream.respond({ ':status': 200 });
        stream.end('app page');
      });
      const { session: s, settings } = await session();
      expect(settings.enableConnectProtocol).toBe(true);
      const raw = await rawStream(s, '/echo');
      expect(raw.status).toBe(200);
      expect(opened[0]!.request.method).toBe('CONNECT');
      const page = s.request({ ':path': '/' });
      page.setEncoding('utf8');
      let text = '';
      page.on('data', (chunk: string) => (text += chunk));
      await new Promise((resolve) => page.once('end', resolve));
      expect(text).toBe('app page');
    });
  });

  describe('over cleartext h2c', () => {
    beforeEach(() => setUp({ secure: false }));

    it('serves WebSockets; the request says it was not secure', async () => {
      const { session: s } = await session();
      const raw = await rawStream(s, '/echo');
      expect(raw.status).toBe(200);
      raw.send(Opcode.Binary, Buffer.from([1, 2, 3]));
      expect((await raw.frame(1))[0]!.payload).toEqual(Buffer.from([1, 2, 3]));
      expect(opened[0]!.request).toMatchObject({ method: 'CONNECT', secure: false });
    });
  });
});

// BrowserTransport on a WHATWG WebSocket (the `ws` class on Node; real browsers in
// spec/browser/real-browsers.spec.ts): close codes a script may send, the close timeout, the
// polled drain, and that nothing is reported after the end.
import { firstValueFrom } from 'rxjs';
import { openConnection } from '../../src/browser/connect';
import { BrowserTransport, isBrowserCloseCode } from '../../src/transport/browser-transport';
import type { Transport, TransportListener } from '../../src/transport/transport';
import { WS_CLASS } from '../helpers/browser-client';
import { startBrowserTestServer, type BrowserTestServer } from '../helpers/browser-test-server';
import { onRequest, startRawServer, switchingProtocols, type RawServer } from '../helpers/raw-server';

describe('isBrowserCloseCode (WHATWG WebSocket close(): 1000 or 3000-4999)', () => {
  it.each([
    [1000, true],
    [3000, true],
    [4999, true],
    [1001, false],
    [1008, false],
    [1011, false],
    [2999, false],
    [5000, false],
  ])('%i → %s', (code, allowed) => {
    expect(isBrowserCloseCode(code)).toBe(allowed);
  });
});

describe('BrowserTransport', () => {
  let server: BrowserTestServer | undefined;
  let raw: RawServer | undefined;
  afterEach(async () => {
    await server?.close();
    await raw?.close();
    server = undefined;
    raw = undefined;
  });

  it('RFC 6455 §7.1.1: a server that never answers our close frame → closed with 1006 at closeTimeoutMs', async () => {
    raw = await startRawServer((socket) => onRequest(socket, ({ key }) => socket.write(switchingProtocols(key))));
    const conn = await openConnection(raw.url, { webSocketClass: WS_CLASS, closeTimeoutMs: 150 });
    const started = Date.now();
    const close = await conn.close(1000);
    expect(close).toEqual({ type: 'close', code: 1006, reason: '', wasClean: false });
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(conn.state).toBe('closed');
    expect(conn.bufferedAmount).toBe(0);
  });

  it('a code a browser may not send goes out as 1000 with the reason, and is reported as the code meant', async () => {
    server = await startBrowserTestServer();
    const conn = await openConnection(server.url('meant'), { webSocketClass: WS_CLASS });
    conn.sink.error(Object.assign(new Error('policy'), { closeCode: 1008 }));
    const close = await firstValueFrom(conn.closed$);
    expect(close.code).toBe(1008);
    expect(await server.closed('meant')).toEqual([{ code: 1000, reason: '', wasClean: true }]);
  });

  it('whenFlushed (send) waits for bufferedAmount to reach 0, and drain$ reports it', async () => {
    server = await startBrowserTestServer();
    const conn = await openConnection(server.url('drain'), { webSocketClass: WS_CLASS });
    let drains = 0;
    conn.drain$.subscribe(() => drains++);
    conn.sink.next(new Uint8Array(4 * 1024 * 1024));
    expect(conn.bufferedAmount).toBeGreaterThan(0);
    await conn.send('after');
    expect(conn.bufferedAmount).toBe(0);
    expect(drains).toBeGreaterThanOrEqual(1);
    await conn.close();
  });

  it('implements the Transport interface on a real WebSocket: every member, and the states open → closing → closed', async () => {
    server = await startBrowserTestServer();
    const members: ReadonlyArray<keyof Transport> = ['state', 'bufferedAmount', 'sendText', 'sendBinary', 'close', 'fail', 'flush', 'whenFlushed'];
    const ws = new WS_CLASS(server.url('members'));
    await new Promise((resolve) => (ws.onopen = resolve));
    let closed!: () => void;
    const done = new Promise<void>((resolve) => (closed = resolve));
    const listener: TransportListener = {
      onText: () => undefined,
      onBinary: () => undefined,
      onClosed: () => closed(),
      onDrain: () => undefined,
    };
    const transport: Transport = new BrowserTransport(ws, 1000, listener);
    for (const name of members) expect([name, name in transport]).toEqual([name, true]);
    expect(ws.binaryType).toBe('arraybuffer');
    expect(transport.state).toBe('open');
    transport.close(1000, '');
    expect(transport.state).toBe('closing');
    await done;
    expect(transport.state).toBe('closed');
  });
});

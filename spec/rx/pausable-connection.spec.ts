// PausableConnection (src/rx/pausable-connection.ts): the layer for transports that can stop
// reading. Node connections have it; the browser entry's do not (a browser cannot pause a
// WebSocket, and its bundle leaves the layer out). Its close-time rules are exercised in
// spec/rx/connection.spec.ts ("close() while reading is paused").
import { firstValueFrom } from 'rxjs';
import { openConnection as openBrowser } from '../../src/browser/connect';
import { PausableConnection } from '../../src/rx/pausable-connection';
import { WS_CLASS } from '../helpers/browser-client';
import { startBrowserTestServer } from '../helpers/browser-test-server';
import { Resources, until } from '../helpers/harness';

const resources = new Resources();
afterEach(() => resources.dispose());

describe('src/rx/pausable-connection.ts PausableConnection', () => {
  it('is a layer of the Node connections, not of the browser entry\'s', async () => {
    const { url, nextConnection } = await resources.server();
    await resources.client(url);
    expect(await nextConnection()).toBeInstanceOf(PausableConnection);
    const server = await startBrowserTestServer();
    try {
      const browserConnection = await openBrowser(server.url('not-pausable'), { webSocketClass: WS_CLASS });
      expect(browserConnection).not.toBeInstanceOf(PausableConnection);
      await browserConnection.close();
    } finally {
      await server.close();
    }
  });

  it('the backlog is bounded by backlogBytes: reading pauses, then a subscriber gets everything, none dropped', async () => {
    const { url, nextConnection } = await resources.server({ backlogBytes: 1024 });
    const ws = await resources.client(url);
    const connection = await nextConnection();
    const chunk = 'x'.repeat(512);
    for (let i = 0; i < 200; i++) ws.send(`${i}:${chunk}`);
    // A full backlog pauses the socket: the rest of the 100 KiB stays in the kernel's buffers.
    const socket = (connection as unknown as { transport: { socket: { isPaused(): boolean } } }).transport.socket;
    await until(() => socket.isPaused());
    expect((connection as unknown as PausableConnection).heldBacklogBytes).toBeGreaterThanOrEqual(1024);
    const received: number[] = [];
    const done = new Promise<void>((resolve) =>
      connection.messages$.subscribe((m) => {
        if (m.type === 'text') received.push(Number(m.data.split(':')[0]));
        if (received.length === 200) resolve();
      }),
    );
    await done;
    expect(socket.isPaused()).toBe(false);
    expect(received).toEqual(Array.from({ length: 200 }, (_, i) => i));
  });

  it('with a full backlog, our close reads on to the peer\'s close frame: the close is clean and nothing read before it is lost', async () => {
    const { url, nextConnection } = await resources.server({ backlogBytes: 1024 });
    const ws = await resources.client(url);
    const connection = await nextConnection();
    for (let i = 0; i < 50; i++) ws.send(`${i}:${'y'.repeat(256)}`);
    const socket = (connection as unknown as { transport: { socket: { isPaused(): boolean } } }).transport.socket;
    await until(() => socket.isPaused());
    await expect(connection.close(1000)).resolves.toMatchObject({ code: 1000, wasClean: true });
    const texts: number[] = [];
    await new Promise<void>((resolve) =>
      connection.messages$.subscribe({ next: (m) => m.type === 'text' && texts.push(Number(m.data.split(':')[0])), complete: resolve }),
    );
    // In order and without a gap from the first message on.
    expect(texts).toEqual(Array.from({ length: texts.length }, (_, i) => i));
    expect(texts.length).toBeGreaterThanOrEqual(4);
    await firstValueFrom(connection.closed$);
  });
});

// The Transport interface the connection layers are written against: both implementations
// (the protocol core on a Node socket, the browser's WebSocket) provide every member, so the
// same Connection surface runs on either. (The compiler checks the types through `implements`;
// this checks what exists at run time, on real objects.)
import { Socket } from 'node:net';
import { BrowserTransport } from '../../src/transport/browser-transport';
import { SocketTransport } from '../../src/transport/socket-transport';
import type { Transport, TransportListener } from '../../src/transport/transport';
import { DEFAULT_CONNECTION_OPTIONS } from '../../src/rx/connection-options';
import { WS_CLASS } from '../helpers/browser-client';
import { startBrowserTestServer } from '../helpers/browser-test-server';

const MEMBERS: ReadonlyArray<keyof Transport> = ['state', 'bufferedAmount', 'sendText', 'sendBinary', 'close', 'fail', 'pause', 'resume', 'flush', 'whenFlushed'];

const listener: TransportListener = {
  onText: () => undefined,
  onBinary: () => undefined,
  onPong: () => undefined,
  onProtocolError: () => undefined,
  onClosed: () => undefined,
  onDrain: () => undefined,
};

describe('Transport', () => {
  it('SocketTransport has every member', () => {
    const socket = new Socket();
    const transport: Transport = new SocketTransport(socket, { ...DEFAULT_CONNECTION_OPTIONS, role: 'client', deflate: undefined }, listener);
    for (const name of MEMBERS) expect([name, name in transport]).toEqual([name, true]);
    expect(transport.state).toBe('open');
    socket.destroy();
  });

  it('BrowserTransport has every member', async () => {
    const server = await startBrowserTestServer();
    try {
      const ws = new WS_CLASS(server.url('members'));
      await new Promise((resolve) => (ws.onopen = resolve));
      const closed = new Promise<void>((resolve) => (listener.onClosed = () => resolve()));
      const transport: Transport = new BrowserTransport(ws, { closeTimeoutMs: 1000 }, listener);
      for (const name of MEMBERS) expect([name, name in transport]).toEqual([name, true]);
      expect(ws.binaryType).toBe('arraybuffer');
      expect(transport.state).toBe('open');
      transport.close(1000, '');
      expect(transport.state).toBe('closing');
      await closed;
      expect(transport.state).toBe('closed');
    } finally {
      await server.close();
    }
  });
});

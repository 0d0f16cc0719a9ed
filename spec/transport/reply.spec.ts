import * as net from 'node:net';
import { replyAndClose } from '../../src/transport/reply';

/** A connected socket pair on 127.0.0.1; both ends are destroyed after each test. */
async function socketPair(): Promise<{ server: net.Socket; client: net.Socket; close: () => Promise<void> }> {
  const listener = net.createServer();
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const { port } = listener.address() as net.AddressInfo;
  const accepted = new Promise<net.Socket>((resolve) => listener.once('connection', resolve));
  const client = net.connect(port, '127.0.0.1');
  client.on('error', () => undefined);
  const server = await accepted;
  server.on('error', () => undefined);
  return {
    server,
    client,
    close: async () => {
      server.destroy();
      client.destroy();
      await new Promise<void>((resolve) => listener.close(() => resolve()));
    },
  };
}

describe('replyAndClose (a refused handshake, RFC 6455 §4.2.2)', () => {
  it('writes the whole response, then closes the socket even if the peer keeps it open', async () => {
    const pair = await socketPair();
    try {
      pair.client.allowHalfOpen = true; // an idle or hostile peer that never ends its side
      const chunks: Buffer[] = [];
      pair.client.on('data', (c: Buffer) => chunks.push(c));
      const serverClosed = new Promise<void>((resolve) => pair.server.once('close', () => resolve()));
      const response = 'HTTP/1.1 400 Bad Request\r\nContent-Length: 3\r\n\r\nbad';
      replyAndClose(pair.server, response);
      await serverClosed;
      await new Promise((resolve) => pair.client.once('end', resolve));
      expect(Buffer.concat(chunks).toString()).toBe(response);
      expect(pair.server.destroyed).toBe(true);
    } finally {
      await pair.close();
    }
  });

  it('does nothing to a socket that is already destroyed', async () => {
    const pair = await socketPair();
    try {
      pair.server.destroy();
      expect(() => replyAndClose(pair.server, 'HTTP/1.1 400 Bad Request\r\n\r\n')).not.toThrow();
    } finally {
      await pair.close();
    }
  });

  it('destroys a socket that can no longer be written', async () => {
    const pair = await socketPair();
    try {
      pair.server.end();
      expect(pair.server.writable).toBe(false);
      replyAndClose(pair.server, 'HTTP/1.1 400 Bad Request\r\n\r\n');
      expect(pair.server.destroyed).toBe(true);
    } finally {
      await pair.close();
    }
  });
});

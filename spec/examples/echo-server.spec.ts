import WebSocket from 'ws';
import { startEchoServer, type EchoServer } from '../../examples/echo-server';

/** Opens a `ws` client, sends each message, and collects as many replies with their types. */
async function roundTrip(url: string, messages: Array<string | Buffer>): Promise<Array<{ binary: boolean; data: Buffer }>> {
  const socket = new WebSocket(url);
  const replies: Array<{ binary: boolean; data: Buffer }> = [];
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.once('open', () => messages.forEach((m) => socket.send(m, { binary: typeof m !== 'string' })));
    socket.on('message', (data, isBinary) => {
      replies.push({ binary: isBinary, data: data as Buffer });
      if (replies.length === messages.length) resolve();
    });
  });
  socket.close(1000);
  await new Promise((resolve) => socket.once('close', resolve));
  return replies;
}

describe('examples/echo-server', () => {
  let echo: EchoServer;

  beforeAll(async () => {
    echo = await startEchoServer({ port: 0 });
  });

  afterAll(async () => {
    await echo.close();
  });

  it('echoes text as text and binary as binary, in order', async () => {
    const bytes = Buffer.from([0, 1, 2, 0xff, 0xfe]);
    const replies = await roundTrip(echo.url, ['hello', bytes, 'ünïcødé ✓', Buffer.alloc(0), '']);
    expect(replies.map((r) => r.binary)).toEqual([false, true, false, true, false]);
    expect(replies[0]!.data.toString()).toBe('hello');
    expect(replies[1]!.data.equals(bytes)).toBe(true);
    expect(replies[2]!.data.toString()).toBe('ünïcødé ✓');
    expect(replies[3]!.data.length).toBe(0);
    expect(replies[4]!.data.toString()).toBe('');
  });

  it('answers on any path (conformance suites pick their own)', async () => {
    const replies = await roundTrip(`${echo.url}runCase?case=1&agent=rxws`, ['x']);
    expect(replies[0]!.data.toString()).toBe('x');
  });

  it('echoes a 1 MiB binary message intact', async () => {
    const big = Buffer.alloc(1024 * 1024, 7);
    big[12345] = 42;
    const [reply] = await roundTrip(echo.url, [big]);
    expect(reply!.binary).toBe(true);
    expect(reply!.data.equals(big)).toBe(true);
  });
});

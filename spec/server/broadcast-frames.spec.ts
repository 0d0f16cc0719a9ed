// Broadcast with permessage-deflate (broadcast-frames.ts): one compression per distinct
// compressor setting, not one per socket; valid for receivers with and without context
// takeover; order kept with each connection's own messages.
import * as codecModule from '../../src/transport/deflate-codec';
import type { ClientConnection } from '../../src';
import { echoServer, rxwsClient, wordsOf, type EchoServer } from '../transport/deflate-helpers';

let server: EchoServer | undefined;
const clients: ClientConnection[] = [];
afterEach(async () => {
  jest.restoreAllMocks();
  for (const c of clients.splice(0)) c.terminate();
  await server?.server.close({ timeoutMs: 100 });
  server = undefined;
});
afterAll(() => codecModule.drainDeflatePool());

async function join(options: object | boolean): Promise<ClientConnection> {
  const c = await rxwsClient(server!.url, options);
  clients.push(c);
  return c;
}

function collect(c: ClientConnection, count: number): Promise<string[]> {
  const got: string[] = [];
  return new Promise((resolve) =>
    c.messages$.subscribe((m) => {
      if (m.type === 'text') got.push(m.data);
      if (got.length === count) resolve(got);
    }),
  );
}

describe('Route.broadcast with permessage-deflate', () => {
  it('compresses once per compressor setting; every receiver reads every message in order', async () => {
    server = await echoServer({ thresholdBytes: 0 });
    const a = await join(true);
    const b = await join(true);
    const noContext = await join({ serverNoContextTakeover: true });
    const smallWindow = await join({ serverMaxWindowBits: 10 });
    const plain = await join(false);
    const eightBits = await join({ serverMaxWindowBits: 8 });
    const all = [a, b, noContext, smallWindow, plain, eightBits];
    expect(all.map((c) => c.perMessageDeflate?.serverMaxWindowBits)).toEqual([15, 15, 15, 10, undefined, 8]);
    const spy = jest.spyOn(codecModule, 'compressShared');
    const received = all.map((c) => collect(c, 5));

    const m1 = wordsOf(3000, 1).toString('utf8');
    const m2 = wordsOf(100_000, 2).toString('utf8');
    const m3 = wordsOf(5000, 3).toString('utf8');
    expect(server.route.broadcast(m1)).toBe(6);
    // A connection's own compressed messages, between shared ones (context takeover on both).
    for (const c of server.connections) c.sink.next(`own ${m3}`);
    server.route.broadcast(m2);
    for (const c of server.connections) c.sink.next(`own again ${m3}`);
    server.route.broadcast('tiny');

    const expected = [m1, `own ${m3}`, m2, `own again ${m3}`, 'tiny'];
    for (const got of await Promise.all(received)) expect(got).toEqual(expected);
    // Three broadcasts × two distinct settings (window 15 and window 10); never per socket.
    expect(spy).toHaveBeenCalledTimes(6);
  });

  it('a binary broadcast, and a broadcast below the threshold is sent as the plain frame to all', async () => {
    server = await echoServer({ thresholdBytes: 1000 });
    const a = await join(true);
    const b = await join(false);
    const spy = jest.spyOn(codecModule, 'compressShared');
    const bytes = wordsOf(4000, 5);
    const gotA = a.waitForMessage('binary', { timeoutMs: 5000 });
    const gotB = b.waitForMessage('binary', { timeoutMs: 5000 });
    server.route.broadcast(bytes);
    for (const got of [await gotA, await gotB]) expect(Buffer.from(got.data).equals(bytes)).toBe(true);
    expect(spy).toHaveBeenCalledTimes(1);
    const small = Promise.all([a.waitForMessage('text'), b.waitForMessage('text')]);
    server.route.broadcast('short');
    expect((await small).map((m) => m.data)).toEqual(['short', 'short']);
    expect(spy).toHaveBeenCalledTimes(1);
  });
});

import { PassThrough } from 'node:stream';
import { firstValueFrom, take, toArray } from 'rxjs';
import { openConnection } from '../../src';
import { openKvClient, runKvClient, type KvClient } from '../../examples/kv-client';
import { startKvServer, type KvServer } from '../../examples/kv-server';
import { until } from '../helpers/harness';

describe('examples/kv-server and kv-client (typed request/response with a pushed event)', () => {
  let kv: KvServer;
  const clients: KvClient[] = [];
  const log: string[] = [];

  beforeEach(async () => {
    const output = new PassThrough();
    output.on('data', (chunk: Buffer) => log.push(...chunk.toString('utf8').split('\n').filter(Boolean)));
    kv = await startKvServer({ port: 0, output });
  });

  afterEach(async () => {
    for (const client of clients.splice(0)) client.connection.terminate();
    await kv.close();
    log.length = 0;
  });

  async function client(): Promise<KvClient> {
    const c = await openKvClient(kv.url, 2000);
    clients.push(c);
    return c;
  }

  it('answers get, set, delete and keys, and pushes changes to the other clients', async () => {
    const [alice, bob] = [await client(), await client()];
    const bobHears = firstValueFrom(bob.changes$.pipe(take(2), toArray()));
    expect(await alice.get('colour')).toBeNull();
    await alice.set('colour', 'teal');
    await alice.set('size', 'L');
    expect(await bob.get('colour')).toBe('teal');
    expect(await bob.keys()).toEqual(['colour', 'size']);
    expect(await bobHears).toEqual([
      { type: 'changed', key: 'colour', value: 'teal' },
      { type: 'changed', key: 'size', value: 'L' },
    ]);
    await bob.delete('colour');
    expect(kv.store.has('colour')).toBe(false);
  });

  it('refuses a request that breaks the schema on the client, before it is sent', async () => {
    const alice = await client();
    await expect(alice.set('not a key!', 'x')).rejects.toThrow(/failed the send schema: key: letters, digits/);
    expect(kv.store.size).toBe(0);
  });

  it('reports what a peer sends outside the protocol, and keeps the connection', async () => {
    const raw = await openConnection(kv.url);
    raw.sink.next('{"type":"get","id":1}');
    raw.sink.next('not json');
    raw.sink.next('{"type":"get","id":2,"key":"k"}');
    const answer = await raw.waitForMessage('text', { timeoutMs: 2000 });
    expect(JSON.parse(answer.data)).toEqual({ type: 'value', id: 2, key: 'k', value: null });
    await until(() => log.length >= 2, 2000, 'two log lines');
    expect(log[0]).toMatch(/^refused a message from 127\.0\.0\.1: /);
    expect(log[1]).toBe('refused a message from 127.0.0.1: a text message was not valid JSON');
    await raw.close(1000);
  });

  it('runs as a command-line client', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    let text = '';
    output.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    const done = runKvClient({ url: kv.url, input, output });
    input.write('set greeting hello world\nget greeting\nkeys\nget nothing\nset bad/key 1\n');
    await until(() => text.includes('failed:'), 3000, 'five answers');
    input.end('exit\n');
    expect(await done).toBe(0);
    expect(text.split('\n').slice(1, 6)).toEqual([
      'greeting set',
      'greeting = hello world',
      'keys: greeting',
      'nothing = (not set)',
      expect.stringMatching(/^failed: an outgoing message failed the send schema: key: /),
    ]);
  });
});

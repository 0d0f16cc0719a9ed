// The cluster bus between real node:cluster workers (a primary in a child process, with three
// workers): bytes in order, counts, and a worker killed with SIGKILL.
import { join } from 'node:path';
import { UsageError } from '../../src';
import { clusterBus, clusterBusRelay } from '../../src/bus/cluster-bus';
import { IpcChild } from '../helpers/ipc-child';

jest.setTimeout(60_000);

let primary: IpcChild;
const b64 = (bytes: Uint8Array | string) => Buffer.from(bytes).toString('base64');

async function until(test: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await test())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

beforeAll(async () => {
  primary = new IpcChild(join(__dirname, '../helpers/cluster-bus-child.ts'));
  await primary.request({ cmd: 'start', workers: 3 }, 30_000);
});

afterAll(async () => {
  await primary.kill();
});

describe('clusterBus', () => {
  it('carries bytes in order from one worker to the others that subscribe', async () => {
    await primary.request({ cmd: 'subscribe', index: 1, channel: 'c' });
    await primary.request({ cmd: 'subscribe', index: 2, channel: 'c' });
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const messages = [b64(all), ...Array.from({ length: 200 }, (_, i) => b64(`m${i}`))];
    await primary.request({ cmd: 'publish', index: 0, channel: 'c', messages });
    for (const index of [1, 2]) {
      await until(async () => ((await primary.request({ cmd: 'received', index, channel: 'c' }))['messages'] as string[]).length === messages.length);
      expect((await primary.request({ cmd: 'received', index, channel: 'c' }))['messages']).toEqual(messages);
    }
    expect((await primary.request({ cmd: 'received', index: 0, channel: 'c' }))['messages']).toEqual([]);
  });

  it('counts the workers a message reached, and stops counting a worker killed with SIGKILL', async () => {
    await primary.request({ cmd: 'subscribe', index: 1, channel: 'k' });
    await primary.request({ cmd: 'subscribe', index: 2, channel: 'k' });
    expect((await primary.request({ cmd: 'publishCounted', index: 0, channel: 'k' }))['reached']).toBe(2);
    await primary.request({ cmd: 'unsubscribe', index: 1, channel: 'k' });
    expect((await primary.request({ cmd: 'publishCounted', index: 0, channel: 'k' }))['reached']).toBe(1);
    await primary.request({ cmd: 'kill', index: 2 });
    expect((await primary.request({ cmd: 'publishCounted', index: 0, channel: 'k' }))['reached']).toBe(0);
    const { errors } = await primary.request({ cmd: 'received', index: 0, channel: 'k' });
    expect(errors).toEqual([]);
  });

  it('runs only where it belongs', () => {
    expect(() => clusterBus()).toThrow(UsageError);
    // Jest's worker is a primary as node:cluster sees it: the relay starts and stops there.
    const relay = clusterBusRelay();
    expect(clusterBusRelay()).toBe(relay);
    relay.close();
  });

  // Last: it stops the relay the other cases use.
  it('gives up on requests the primary never answers (no relay), and says so once', async () => {
    await primary.request({ cmd: 'stopRelay' });
    const [subscribed, counted, countedAgain] = await Promise.all([
      primary.request({ cmd: 'subscribe', index: 1, channel: 'silent' }),
      primary.request({ cmd: 'publishCounted', index: 0, channel: 'silent' }),
      primary.request({ cmd: 'publishCounted', index: 0, channel: 'silent-2' }),
    ]);
    expect(subscribed['ok']).toBe(true);
    expect(counted['failed']).toBe('bus_publish_failed');
    expect(countedAgain['failed']).toBe('bus_publish_failed');
    for (const index of [0, 1]) {
      const state = await primary.request({ cmd: 'received', index, channel: 'silent' });
      expect(state['waiting']).toBe(0);
      expect((state['errors'] as string[]).filter((code) => code === 'bus_disconnected')).toEqual(['bus_disconnected']);
    }
  });
});

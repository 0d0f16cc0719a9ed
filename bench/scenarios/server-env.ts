/** Starting a server under test and probing it, shared by the server-side scenarios. */
import { startChild, type Child } from '../lib/child';
import { SkipImplementation, type Impl } from './types';

export interface ServerEnv {
  impl: Impl;
  child: Child;
  port: number;
  info: Record<string, unknown>;
  cpu: () => Promise<number>;
}

export interface ServerStartOptions {
  nodeFlags?: string[];
  fdLimit?: number;
  env?: Record<string, string>;
}

export async function startServer(impl: Impl, file: string, options: ServerStartOptions = {}): Promise<ServerEnv> {
  let started;
  try {
    started = await startChild(`servers/${file}`, [], options);
  } catch (err) {
    throw new SkipImplementation(`${file} did not start: ${(err as Error).message}`);
  }
  const { child, first } = started;
  return {
    impl,
    child,
    port: first['port'] as number,
    info: (first['info'] as Record<string, unknown> | undefined) ?? {},
    cpu: async () => {
      const reply = await child.request('usage');
      const cpu = reply['cpu'] as { user: number; system: number };
      return cpu.user + cpu.system;
    },
  };
}

export function stopServer(env: ServerEnv): Promise<void> {
  return env.child.stop();
}

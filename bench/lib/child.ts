/**
 * Child processes for servers and clients under test: each runs TypeScript through tsx, talks to
 * the runner over an IPC channel, and is killed when the runner exits, however it exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';

export const BENCH_DIR = path.resolve(__dirname, '..');

const live = new Set<ChildProcess>();
let hooksInstalled = false;

/** Kills every child still alive. Synchronous, so it can run in an 'exit' handler. */
export function killAllChildren(): void {
  for (const proc of live) {
    try {
      proc.kill('SIGKILL');
    } catch {
      /* already gone */
    }
  }
  live.clear();
}

/**
 * Runs a bench's `main`: prints its failure (setting a failing exit code), then kills the children
 * it left and exits shortly after, since sockets of a failed scenario may still be open.
 */
export function runBenchMain(main: () => Promise<void>): void {
  main()
    .catch((err: unknown) => {
      console.error(err instanceof Error ? err.stack ?? err.message : err);
      process.exitCode = 1;
    })
    .finally(() => {
      killAllChildren();
      setTimeout(() => process.exit(), 100).unref();
    });
}

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', killAllChildren);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      killAllChildren();
      process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1));
    });
  }
}

export interface ChildMessage {
  type: string;
  id?: number;
  [key: string]: unknown;
}

export interface StartOptions {
  /** Extra node flags, e.g. --expose-gc. */
  nodeFlags?: string[];
  /** Raise the soft fd limit of the child to this (through `ulimit -n` in a shell wrapper). */
  fdLimit?: number;
  /** How long to wait for the child's first message ('ready' or 'result'). */
  readyTimeoutMs?: number;
  /** Variables added to the runner's environment for this child. */
  env?: Record<string, string>;
}

/** A child that answers requests by id over IPC. */
export class Child {
  private nextId = 1;
  private readonly pending = new Map<number, (msg: ChildMessage) => void>();
  private stderrTail = '';
  private exitInfo: string | null = null;
  private readonly exitWaiters: Array<() => void> = [];

  constructor(readonly name: string, readonly proc: ChildProcess) {
    proc.stderr?.on('data', (d: Buffer) => {
      this.stderrTail = (this.stderrTail + d.toString('utf8')).slice(-2000);
    });
    proc.stdout?.on('data', (d: Buffer) => {
      this.stderrTail = (this.stderrTail + d.toString('utf8')).slice(-2000);
    });
    proc.on('message', (raw) => {
      const msg = raw as ChildMessage;
      if (typeof msg.id === 'number') {
        const resolve = this.pending.get(msg.id);
        this.pending.delete(msg.id);
        resolve?.(msg);
      }
    });
    proc.on('exit', (code, signal) => {
      live.delete(proc);
      this.exitInfo = `exited with ${signal ?? `code ${code}`}`;
      for (const resolve of this.pending.values()) resolve({ type: 'error', message: this.exitInfo });
      this.pending.clear();
      for (const w of this.exitWaiters.splice(0)) w();
    });
  }

  get alive(): boolean {
    return this.exitInfo === null;
  }

  /** Why the child failed, for a "skipped" line: its last error output, or how it exited. */
  get diagnostics(): string {
    const tail = this.stderrTail.trim().split('\n').filter((l) => l.trim() !== '');
    const errLine = tail.find((l) => /Error|error:/.test(l)) ?? tail[tail.length - 1];
    return [errLine, this.exitInfo].filter(Boolean).join('; ');
  }

  request(type: string, body: Record<string, unknown> = {}, timeoutMs = 10_000): Promise<ChildMessage> {
    if (!this.alive || !this.proc.connected) return Promise.reject(new Error(`${this.name}: ${this.exitInfo ?? 'not connected'}`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${this.name}: no answer to ${type} in ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, (msg) => {
        clearTimeout(timer);
        if (msg.type === 'error') reject(new Error(`${this.name}: ${String(msg.message)}`));
        else resolve(msg);
      });
      this.proc.send({ ...body, type, id });
    });
  }

  /** Asks politely, then kills; resolves once the process is gone. */
  async stop(graceMs = 1000): Promise<void> {
    if (!this.alive) return;
    const gone = new Promise<void>((resolve) => this.exitWaiters.push(resolve));
    try {
      if (this.proc.connected) this.proc.send({ type: 'exit' });
    } catch {
      /* channel closed */
    }
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), graceMs);
    await gone;
    clearTimeout(timer);
  }
}

/**
 * Starts `file` (relative to bench/) under `node --import tsx` and waits for its first message,
 * which must be `{type: 'ready', ...}` or `{type: 'result', ...}`. Rejects with the child's own
 * error output if it exits or reports an error first, so the runner can print why it skipped it.
 */
export async function startChild(
  file: string,
  args: string[],
  options: StartOptions = {},
): Promise<{ child: Child; first: ChildMessage }> {
  installHooks();
  const script = path.join(BENCH_DIR, file);
  const nodeArgs = ['--import', 'tsx', ...(options.nodeFlags ?? []), script, ...args];
  // A shell wrapper is the only way to raise RLIMIT_NOFILE for a child from Node; exec keeps the pid.
  const spawnOptions = {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'] as Array<'ignore' | 'pipe' | 'ipc'>,
    cwd: path.resolve(BENCH_DIR, '..'),
    ...(options.env ? { env: { ...process.env, ...options.env } } : {}),
  };
  const proc = options.fdLimit
    ? spawn('/bin/sh', ['-c', `ulimit -n ${options.fdLimit} 2>/dev/null; exec "$0" "$@"`, process.execPath, ...nodeArgs], spawnOptions)
    : spawn(process.execPath, nodeArgs, spawnOptions);
  live.add(proc);
  const child = new Child(path.basename(file, '.ts'), proc);
  const timeoutMs = options.readyTimeoutMs ?? 20_000;
  const first = await new Promise<ChildMessage>((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`no ready message within ${timeoutMs} ms`)), timeoutMs);
    const onMessage = (raw: unknown): void => {
      const msg = raw as ChildMessage;
      if (msg.type === 'error') done(new Error(String(msg.message)));
      else if (msg.type === 'ready' || msg.type === 'result') done(null, msg);
    };
    const onExit = (): void => {
      // Let the stderr pipe drain so the diagnostics carry the child's own error.
      setTimeout(() => done(new Error(child.diagnostics || 'exited before ready')), 50);
    };
    function done(err: Error | null, msg?: ChildMessage): void {
      clearTimeout(timer);
      proc.off('message', onMessage);
      proc.off('exit', onExit);
      if (err) {
        proc.kill('SIGKILL');
        reject(err);
      } else resolve(msg!);
    }
    proc.on('message', onMessage);
    proc.on('exit', onExit);
  });
  return { child, first };
}

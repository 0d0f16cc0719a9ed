// A TypeScript child process (under tsx) that answers requests by id over its IPC channel, for
// specs that need several processes. Bounded in time: every request has a timeout, and `kill()`
// (from afterAll) ends the process however it is doing.
import { spawn, type ChildProcess } from 'node:child_process';

export interface IpcReply {
  id: number;
  ok: boolean;
  error?: string;
  [key: string]: unknown;
}

export class IpcChild {
  private readonly proc: ChildProcess;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (reply: IpcReply) => void; reject: (error: Error) => void; timer: ReturnType<typeof setTimeout> }>();
  private readonly exited: Promise<void>;
  private output = '';
  /** Messages the child sent on its own (without an id). */
  readonly events: Array<Record<string, unknown>> = [];

  constructor(script: string, args: string[] = []) {
    this.proc = spawn(process.execPath, ['--import', 'tsx', script, ...args], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    const keep = (chunk: Buffer) => (this.output = (this.output + chunk.toString()).slice(-4000));
    this.proc.stdout!.on('data', keep);
    this.proc.stderr!.on('data', keep);
    this.proc.on('message', (raw) => {
      const message = raw as IpcReply;
      const waiting = typeof message.id === 'number' ? this.pending.get(message.id) : undefined;
      if (waiting === undefined) {
        this.events.push(message);
        return;
      }
      this.pending.delete(message.id);
      clearTimeout(waiting.timer);
      if (message.ok) waiting.resolve(message);
      else waiting.reject(new Error(`child: ${message.error}`));
    });
    this.exited = new Promise((resolve) => this.proc.once('exit', () => resolve()));
    this.exited.then(() => {
      for (const [id, waiting] of this.pending) {
        clearTimeout(waiting.timer);
        waiting.reject(new Error(`child exited before answering request ${id}: ${this.output.slice(-1000)}`));
      }
      this.pending.clear();
    });
  }

  get pid(): number {
    return this.proc.pid!;
  }

  request(body: Record<string, unknown>, timeoutMs = 15_000): Promise<IpcReply> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (!this.proc.connected) return reject(new Error(`child is not connected: ${this.output.slice(-1000)}`));
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`child did not answer ${JSON.stringify(body).slice(0, 100)} in ${timeoutMs} ms: ${this.output.slice(-1000)}`));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      this.proc.send({ ...body, id });
    });
  }

  /** Waits for a message the child sends on its own, matching `test`. */
  async event(test: (message: Record<string, unknown>) => boolean, timeoutMs = 15_000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.find(test);
      if (found !== undefined) return found;
      if (Date.now() > deadline) throw new Error(`no such event from the child in ${timeoutMs} ms: ${this.output.slice(-1000)}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** Kills the process (SIGKILL unless told otherwise) and resolves once it has exited. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill(signal);
    await this.exited;
  }
}

/** The child's side: answers each request with what `handle` returns (or the error it throws). */
export function serveRequests(handle: (request: Record<string, unknown>) => Promise<Record<string, unknown>> | Record<string, unknown>): void {
  // A child never outlives its spec, whatever happens to the spec's process.
  process.on('disconnect', () => process.exit(0));
  setTimeout(() => process.exit(2), 120_000).unref();
  process.on('message', (raw) => {
    const request = raw as Record<string, unknown> & { id: number };
    if (typeof request.id !== 'number') return;
    Promise.resolve()
      .then(() => handle(request))
      .then(
        (reply) => process.send!({ ...reply, id: request.id, ok: true }),
        (error: unknown) => process.send!({ id: request.id, ok: false, error: error instanceof Error ? error.message : String(error) }),
      );
  });
}

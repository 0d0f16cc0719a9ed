// Drives one long-lived Python process (a client peer that runs many sessions, or the echo
// server) over stdin/stdout, so the interop table starts a handful of processes, not one per case.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as readline from 'node:readline';
import type { SessionResult, SessionSpec } from '../scenarios';

export const PYTHON = '/usr/bin/python3';

/** Fails (never skips) with an install hint when a Python module is missing. */
export function requirePythonModule(module: string, debianPackage: string): string {
  const check = spawnSync(PYTHON, ['-c', `import ${module}; print(${module}.__version__)`], { encoding: 'utf8' });
  if (check.status !== 0) {
    const why = (check.stderr || String(check.error)).trim().split('\n').pop();
    throw new Error(`the Python module '${module}' is not available to ${PYTHON} (${why}). Install it with: apt-get install -y ${debianPackage}`);
  }
  return check.stdout.trim();
}

/** A child process that speaks in lines; `lines` collects everything it printed. */
export class LineProcess {
  readonly lines: string[] = [];
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly listeners = new Set<(line: string) => void>();
  private stderr = '';
  readonly exited: Promise<number | null>;

  constructor(args: string[]) {
    this.child = spawn(PYTHON, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString('utf8')).slice(-4000);
    });
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
    readline.createInterface({ input: this.child.stdout }).on('line', (line) => {
      this.lines.push(line);
      for (const listener of [...this.listeners]) listener(line);
    });
  }

  /** Resolves with the first line (already printed or to come) that matches. */
  waitFor(pattern: RegExp, timeoutMs = 20_000): Promise<RegExpExecArray> {
    for (const line of this.lines) {
      const match = pattern.exec(line);
      if (match) return Promise.resolve(match);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.listeners.delete(listener);
        reject(new Error(`no line matching ${pattern} from the python peer within ${timeoutMs} ms; stderr: ${this.stderr}`));
      }, timeoutMs);
      const listener = (line: string) => {
        const match = pattern.exec(line);
        if (!match) return;
        clearTimeout(timer);
        this.listeners.delete(listener);
        resolve(match);
      };
      this.listeners.add(listener);
      void this.exited.then((code) => {
        if (!this.listeners.has(listener)) return;
        clearTimeout(timer);
        this.listeners.delete(listener);
        reject(new Error(`the python peer exited (${code}) before printing ${pattern}; stderr: ${this.stderr}`));
      });
    });
  }

  write(line: string): void {
    this.child.stdin.write(`${line}\n`);
  }

  /** Closes stdin (the scripts exit on EOF); kills after 3 s if it has not exited. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 3000);
    await this.exited;
    clearTimeout(timer);
  }
}

/** A Python client peer (websockets or autobahn) that runs sessions one after another. */
export class PythonClientPeer {
  private nextId = 1;
  private constructor(
    private readonly process: LineProcess,
    readonly version: string,
  ) {}

  static async start(script: string, library: 'websockets' | 'autobahn'): Promise<PythonClientPeer> {
    const process = new LineProcess([script, library]);
    try {
      const ready = await process.waitFor(/^ready (\S+) (\S+)$/);
      return new PythonClientPeer(process, ready[2]!);
    } catch (error) {
      await process.stop();
      throw error;
    }
  }

  async run(url: string, spec: SessionSpec, cafile: string, timeoutMs: number): Promise<SessionResult> {
    const id = this.nextId++;
    const reply = this.process.waitFor(new RegExp(`^\\{"id": ${id}, `), timeoutMs);
    this.process.write(JSON.stringify({ id, url, spec, cafile }));
    const message = JSON.parse((await reply).input) as { result?: SessionResult; error?: string };
    if (message.error !== undefined) throw new Error(`python peer: ${message.error}`);
    return message.result!;
  }

  stop(): Promise<void> {
    return this.process.stop();
  }
}

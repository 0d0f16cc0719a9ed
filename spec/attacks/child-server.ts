// Starts spec/attacks/server-child.ts in a child process (node --expose-gc) and reads its reports.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as path from 'node:path';
import * as readline from 'node:readline';
import type { ServerOptions } from '../../src';
import { RawPeer } from '../helpers/raw-peer';

export interface ChildResult {
  messages: number;
  bytes: number;
  sha256: string;
  close: { code: number; reason: string; wasClean: boolean };
  errors: string[];
  sent: number;
  peakHeapMb: number;
  peakExternalMb: number;
  peakRssMb: number;
  heapAfterMb: number;
}

export interface ChildServer {
  port: number;
  baseline: { heapMb: number; rssMb: number };
  /** The report of the next connection to close. */
  nextResult(timeoutMs?: number): Promise<ChildResult>;
  stop(): Promise<void>;
}

export interface ChildServerOptions {
  server?: Partial<ServerOptions>;
  flood?: { messageBytes: number; ms: number };
}

/**
 * For a describe block whose tests each attack a fresh child server from one raw peer: returns
 * `open(options)`, which starts both; they are stopped after every test.
 */
export function childServerPerTest(): (options?: ChildServerOptions) => Promise<{ child: ChildServer; peer: RawPeer }> {
  let child: ChildServer | undefined;
  let peer: RawPeer | undefined;
  afterEach(async () => {
    peer?.destroy();
    await child?.stop();
    peer = undefined;
    child = undefined;
  });
  return async (options = {}) => {
    child = await startChildServer(options);
    peer = await RawPeer.connect(child.port);
    return { child, peer };
  };
}

export async function startChildServer(options: ChildServerOptions = {}): Promise<ChildServer> {
  const root = path.join(__dirname, '..', '..');
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', path.join(__dirname, 'server-child.ts'), JSON.stringify(options)], {
    cwd: root,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const results: ChildResult[] = [];
  const waiters: Array<(r: ChildResult) => void> = [];
  let port = 0;
  let baseline: ChildServer['baseline'] | undefined;
  let ready: () => void;
  const started = new Promise<void>((resolve) => (ready = resolve));
  readline.createInterface({ input: child.stdout }).on('line', (line) => {
    if (line.startsWith('port ')) port = Number(line.slice(5));
    else if (line.startsWith('baseline ')) {
      baseline = JSON.parse(line.slice(9));
      ready();
    } else if (line.startsWith('result ')) {
      const result = JSON.parse(line.slice(7)) as ChildResult;
      const waiter = waiters.shift();
      if (waiter !== undefined) waiter(result);
      else results.push(result);
    }
  });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.stdin.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  };
  const failed = exited.then(() => {
    throw new Error(`the server child exited: ${stderr}`);
  });
  failed.catch(() => undefined);
  await Promise.race([started, failed]);
  return {
    port,
    baseline: baseline!,
    nextResult: (timeoutMs = 30_000) => {
      const ready = results.shift();
      if (ready !== undefined) return Promise.resolve(ready);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no result from the server child within ${timeoutMs} ms; stderr: ${stderr}`)), timeoutMs);
        waiters.push((r) => {
          clearTimeout(timer);
          resolve(r);
        });
      });
    },
    stop,
  };
}

/**
 * Memory bounds for one attack: the peak heap (garbage included) and RSS above the post-GC
 * baseline, and what the heap keeps after the connection closed and a GC ran.
 */
export function expectBoundedMemory(result: ChildResult, baseline: ChildServer['baseline'], limits: { peakHeapMb: number; peakRssMb: number; retainedMb?: number }): void {
  const figures = {
    peakHeapGrowthMb: Number((result.peakHeapMb - baseline.heapMb).toFixed(1)),
    peakRssGrowthMb: Number((result.peakRssMb - baseline.rssMb).toFixed(1)),
    retainedMb: Number((result.heapAfterMb - baseline.heapMb).toFixed(1)),
  };
  const over: string[] = [];
  if (figures.peakHeapGrowthMb > limits.peakHeapMb) over.push(`peak heap +${figures.peakHeapGrowthMb} MB > ${limits.peakHeapMb} MB`);
  if (figures.peakRssGrowthMb > limits.peakRssMb) over.push(`peak RSS +${figures.peakRssGrowthMb} MB > ${limits.peakRssMb} MB`);
  if (figures.retainedMb > (limits.retainedMb ?? 2)) over.push(`retained +${figures.retainedMb} MB > ${limits.retainedMb ?? 2} MB`);
  expect({ figures, over }).toEqual({ figures, over: [] });
}

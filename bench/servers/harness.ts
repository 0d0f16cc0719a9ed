/**
 * The runner side of every server under test: report the port once listening, answer usage and gc
 * requests over IPC, and die with the runner. Each server file only has to start its server.
 */
import * as fs from 'node:fs';
import * as v8 from 'node:v8';
import { statusBytes } from '../lib/proc-status';

export interface Started {
  port: number;
  info?: Record<string, unknown>;
}

interface Request {
  type: string;
  id?: number;
  /** For 'heap-snapshot': where to write it. */
  file?: string;
}

/** A server process never outlives a benchmark run, even if its runner lost track of it. */
const MAX_LIFETIME_MS = 30 * 60 * 1000;

function send(msg: Record<string, unknown>): void {
  if (process.send && process.connected) process.send(msg);
}

function collectGarbage(): boolean {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return false;
  // Two passes: the first can only queue weak callbacks and finalizers the second then frees.
  gc();
  gc();
  return true;
}

export function runServer(name: string, start: () => Promise<Started>): void {
  setTimeout(() => process.exit(3), MAX_LIFETIME_MS).unref();
  process.on('disconnect', () => process.exit(0));
  process.on('message', (raw) => {
    const req = raw as Request;
    switch (req.type) {
      case 'usage':
        send({ type: 'usage', id: req.id, cpu: process.cpuUsage(), mem: process.memoryUsage() });
        break;
      case 'gc': {
        const ran = collectGarbage();
        send({ type: 'gc', id: req.id, ran, mem: process.memoryUsage() });
        break;
      }
      case 'heap-snapshot': {
        // After a collection, so the snapshot holds what is live (bench/idle-heap.ts reads it).
        collectGarbage();
        const file = v8.writeHeapSnapshot(req.file);
        send({ type: 'heap-snapshot', id: req.id, file, mem: process.memoryUsage() });
        break;
      }
      case 'rss-peak-reset':
        // Linux: "5" resets VmHWM to the current RSS, so the next 'rss-peak' is the peak since now.
        try {
          fs.writeFileSync('/proc/self/clear_refs', '5');
          send({ type: 'rss-peak-reset', id: req.id, rss: process.memoryUsage.rss() });
        } catch (err) {
          send({ type: 'error', id: req.id, message: `${name}: cannot reset the peak RSS: ${(err as Error).message}` });
        }
        break;
      case 'rss-peak': {
        const peak = statusBytes(fs.readFileSync('/proc/self/status', 'utf8'), 'VmHWM');
        send({ type: 'rss-peak', id: req.id, peak, rss: process.memoryUsage.rss() });
        break;
      }
      case 'exit':
        process.exit(0);
        break;
      default:
        send({ type: 'error', id: req.id, message: `${name}: unknown request ${req.type}` });
    }
  });
  start().then(
    (started) => send({ type: 'ready', ...started }),
    (err: unknown) => {
      const message = err instanceof Error ? err.message : String(err);
      process.stderr.write(`${name}: failed to start: ${message}\n`);
      send({ type: 'error', message: `${name}: ${message}` });
      setTimeout(() => process.exit(1), 20);
    },
  );
}

/** The server's argument after `--mode`, or the default. */
export function argValue(flag: string, fallback: string): string {
  const i = process.argv.indexOf(flag);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1]! : fallback;
}

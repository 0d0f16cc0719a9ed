/**
 * One process of idle WebSocket clients for the idle-max and reconnect-storm scenarios: it opens
 * connections (from the loopback source address it is given, if any) when asked, holds them (sending nothing), and on
 * 'storm' drops them all and reconnects as many at once. A process holds at most its own
 * descriptor limit, so the runner spreads large counts over several (bench/lib/idle-plan.ts).
 *
 * Requests (over IPC, answered by id): open {port, count, concurrency, localAddress?},
 * storm {concurrency}, close, exit.
 */
import type * as net from 'node:net';
import { closeAll, rawConnectUpTo, type Opened } from '../load/raw-connect';

interface Request {
  type: string;
  id?: number;
  port?: number;
  count?: number;
  concurrency?: number;
  localAddress?: string;
}

/** Never outlives a benchmark run, even if the runner lost track of it. */
const MAX_LIFETIME_MS = 30 * 60 * 1000;

let held: net.Socket[] = [];
let target: { port: number; localAddress: string | undefined } | undefined;

function send(msg: Record<string, unknown>): void {
  if (process.send && process.connected) process.send(msg);
}

function ignoreError(): void {
  // An idle connection the server drops reports it through 'close'; unhandled, an ECONNRESET would end the process.
}

function keep(opened: Opened[]): void {
  for (const o of opened) {
    o.socket.on('error', ignoreError);
    held.push(o.socket);
  }
}

async function open(req: Request): Promise<Record<string, unknown>> {
  target = { port: req.port!, localAddress: req.localAddress };
  const t0 = process.hrtime.bigint();
  const r = await rawConnectUpTo(target.port, req.count!, req.concurrency!, target.localAddress !== undefined ? { localAddress: target.localAddress } : {});
  keep(r.opened);
  return { opened: r.opened.length, failure: r.failure?.message ?? null, seconds: Number(process.hrtime.bigint() - t0) / 1e9 };
}

/** Drops every connection at once (as a network blip or a client release would) and reconnects as many. */
async function storm(req: Request): Promise<Record<string, unknown>> {
  if (target === undefined) throw new Error('storm before open');
  const count = held.length;
  const t0 = process.hrtime.bigint();
  for (const socket of held) socket.destroy();
  held = [];
  const r = await rawConnectUpTo(target.port, count, req.concurrency!, target.localAddress !== undefined ? { localAddress: target.localAddress } : {});
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  keep(r.opened);
  return { opened: r.opened.length, failure: r.failure?.message ?? null, seconds };
}

async function handle(req: Request): Promise<Record<string, unknown>> {
  switch (req.type) {
    case 'open':
      return open(req);
    case 'storm':
      return storm(req);
    case 'close': {
      const sockets = held;
      held = [];
      await closeAll(sockets, 10_000);
      return {};
    }
    default:
      throw new Error(`unknown request ${req.type}`);
  }
}

setTimeout(() => process.exit(3), MAX_LIFETIME_MS).unref();
process.on('disconnect', () => process.exit(0));
process.on('message', (raw) => {
  const req = raw as Request;
  if (req.type === 'exit') process.exit(0);
  handle(req).then(
    (reply) => send({ type: req.type, id: req.id, ...reply }),
    (err: unknown) => send({ type: 'error', id: req.id, message: `idle-client: ${(err as Error).message}` }),
  );
});
send({ type: 'ready' });

/**
 * Client processes holding idle connections to one server (bench/clients/idle-client.ts), one
 * per share of the plan (bench/lib/idle-plan.ts), from their own loopback source addresses when
 * one address has too few ports for all.
 * Used by the idle-max and reconnect-storm scenarios.
 */
import * as fs from 'node:fs';
import { startChild, type Child } from '../lib/child';
import { FD_MARGIN, planClients, portRangeSize, type ClientShare } from '../lib/idle-plan';

/** Linux's default range (32768-60999) where /proc does not say. */
const DEFAULT_PORTS = 28_232;
/** Ports of one source address left to others (the runner, other scenarios' TIME_WAIT sockets). */
const PORT_MARGIN = 2_000;

/** Ephemeral ports one source address offers toward one destination, less a margin. */
export function portsPerSource(): number {
  let ports = DEFAULT_PORTS;
  try {
    ports = portRangeSize(fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8'));
  } catch {
    /* not Linux: assume its default */
  }
  return Math.max(1, ports - PORT_MARGIN);
}

/** The client processes for `total` connections, at most `perProcess` in each. */
export function planFleet(total: number, perProcess: number): ClientShare[] {
  const ports = portsPerSource();
  return planClients(total, Math.min(perProcess, ports), ports);
}

export interface FleetOutcome {
  /** Connections open at the end, over all processes. */
  opened: number;
  /** Wall time from the request to the last process's answer. */
  seconds: number;
  /** The first failure a process met (it then stopped opening), or null. */
  failure: string | null;
}

export class IdleFleet {
  private constructor(
    private readonly clients: Child[],
    private readonly shares: ClientShare[],
  ) {}

  /** Starts one process per share, each allowed its share's descriptors plus a margin. */
  static async start(shares: ClientShare[]): Promise<IdleFleet> {
    const started = await Promise.allSettled(
      shares.map((s) => startChild('clients/idle-client.ts', [], { fdLimit: s.connections + FD_MARGIN })),
    );
    const clients = started.flatMap((r) => (r.status === 'fulfilled' ? [r.value.child] : []));
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      await Promise.all(clients.map((c) => c.stop()));
      throw new Error(`an idle client process did not start: ${(failed.reason as Error).message}`);
    }
    return new IdleFleet(clients, shares);
  }

  /** Opens every share's connections to `port`, `concurrency` handshakes at a time per process. */
  open(port: number, concurrency: number, timeoutMs: number): Promise<FleetOutcome> {
    return this.all((c, s) => c.request('open', { port, count: s.connections, concurrency, ...(s.localAddress !== undefined ? { localAddress: s.localAddress } : {}) }, timeoutMs));
  }

  /** Every process drops all its connections at once and reconnects as many. */
  storm(concurrency: number, timeoutMs: number): Promise<FleetOutcome> {
    return this.all((c) => c.request('storm', { concurrency }, timeoutMs));
  }

  /** Closes every connection and ends the processes. */
  async stop(): Promise<void> {
    await Promise.all(this.clients.map((c) => c.request('close', {}, 15_000).catch(() => undefined)));
    await Promise.all(this.clients.map((c) => c.stop()));
  }

  private async all(ask: (c: Child, s: ClientShare) => Promise<Record<string, unknown>>): Promise<FleetOutcome> {
    const t0 = process.hrtime.bigint();
    const replies = await Promise.all(this.clients.map((c, i) => ask(c, this.shares[i]!)));
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const failure = replies.map((r) => r['failure'] as string | null).find((f) => f) ?? null;
    return { opened: replies.reduce((sum, r) => sum + (r['opened'] as number), 0), seconds, failure };
  }
}

/**
 * How many idle connections one server process can hold, and how to spread their client ends
 * over processes and loopback source addresses. Pure: no I/O.
 *
 * Limits: the server needs one file descriptor per connection plus its own few, so its hard
 * RLIMIT_NOFILE (which a process cannot raise) caps the count; each client process has the same
 * cap; and one source address gives at most the ephemeral port range per destination, hence a
 * different 127.0.0.x source address per client process past that.
 *
 * Only past it: a client that binds its source address before connecting makes Linux search for
 * a free port on every connect, which lingering TIME_WAIT sockets make slow (reconnecting 5,000
 * connections took 17.5 s bound to 127.0.0.11 and 1.8 s unbound, same machine and minute), and
 * the client, not the server, would then set the time.
 */

/** Descriptors a server or client process keeps for itself (stdio, IPC, epoll, the listener...). */
export const FD_MARGIN = 256;

export interface IdleTarget {
  /** Connections to open. */
  connections: number;
  /** What lowered it below the wanted count, or null when nothing did. */
  cappedBy: string | null;
}

/** The count to aim for: `wanted`, unless the server's descriptor limit allows fewer. */
export function idleTarget(wanted: number, serverFdHard: number): IdleTarget {
  if (!(wanted >= 1)) throw new Error(`wanted must be at least 1, not ${wanted}`);
  if (!Number.isFinite(serverFdHard)) return { connections: wanted, cappedBy: null };
  const allowed = Math.max(0, Math.floor(serverFdHard) - FD_MARGIN);
  if (allowed >= wanted) return { connections: wanted, cappedBy: null };
  return {
    connections: allowed,
    cappedBy: `the server process's file-descriptor hard limit (${serverFdHard}, \`ulimit -Hn\`) less ${FD_MARGIN} for its own`,
  };
}

export interface ClientShare {
  /** The loopback address this client process connects from; undefined: the kernel picks. */
  localAddress: string | undefined;
  connections: number;
}

/**
 * Splits `total` connections over as few client processes as hold at most `perProcess` each,
 * as evenly as possible. While `total` fits in the ports of one source address
 * (`portsPerSource`), the kernel picks the source; past it, each process connects from its own
 * address, 127.0.0.2, 127.0.0.3, ..., and `perProcess` must then fit in one address's ports.
 */
export function planClients(total: number, perProcess: number, portsPerSource: number): ClientShare[] {
  if (!(Number.isInteger(total) && total >= 0)) throw new Error(`total must be a whole number, not ${total}`);
  if (!(Number.isInteger(perProcess) && perProcess >= 1)) throw new Error(`perProcess must be a positive whole number, not ${perProcess}`);
  const ownAddresses = total > portsPerSource;
  if (ownAddresses && perProcess > portsPerSource) {
    throw new Error(`${perProcess} connections per process do not fit in the ${portsPerSource} ports of one source address`);
  }
  const processes = Math.ceil(total / perProcess);
  if (ownAddresses && processes > 253) throw new Error(`${processes} client processes would need more than 127.0.0.2-254`);
  const shares: ClientShare[] = [];
  for (let i = 0; i < processes; i++) {
    // The first (total % processes) get one more, so shares differ by one at most.
    const connections = Math.floor(total / processes) + (i < total % processes ? 1 : 0);
    shares.push({ localAddress: ownAddresses ? `127.0.0.${i + 2}` : undefined, connections });
  }
  return shares;
}

/** The size of Linux's ephemeral port range (`ip_local_port_range` text: "low high"). */
export function portRangeSize(rangeText: string): number {
  const match = /^\s*(\d+)\s+(\d+)\s*$/.exec(rangeText);
  if (!match) throw new Error(`not a port range: ${JSON.stringify(rangeText)}`);
  return Number(match[2]) - Number(match[1]) + 1;
}

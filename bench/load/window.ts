/**
 * One measurement window: let the load run for a warm-up, then count what happens in a fixed
 * stretch of wall time, with the CPU used by the generator and (if given) by the server meanwhile.
 */

export interface Counts {
  messages: number;
  bytes: number;
}

/** Something that reports a process's CPU time in microseconds (a server child over IPC). */
export type CpuProbe = () => Promise<number>;

export interface WindowResult {
  seconds: number;
  messages: number;
  bytes: number;
  /** Generator CPU as a percentage of one core. */
  clientCpuPct: number;
  /** Server CPU as a percentage of one core; NaN without a probe. */
  serverCpuPct: number;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function measureWindow(
  read: () => Counts,
  warmupMs: number,
  measureMs: number,
  serverCpu?: CpuProbe,
): Promise<WindowResult> {
  await sleep(warmupMs);
  const s0 = serverCpu ? await serverCpu() : NaN;
  const a = read();
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await sleep(measureMs);
  const b = read();
  const c1 = process.cpuUsage(c0);
  const t1 = process.hrtime.bigint();
  const s1 = serverCpu ? await serverCpu() : NaN;
  const seconds = Number(t1 - t0) / 1e9;
  return {
    seconds,
    messages: b.messages - a.messages,
    bytes: b.bytes - a.bytes,
    clientCpuPct: ((c1.user + c1.system) / 1e6 / seconds) * 100,
    serverCpuPct: ((s1 - s0) / 1e6 / seconds) * 100,
  };
}

/** Describes the machine a run happened on, for the report. */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  node: string;
  os: string;
  wsVersion: string;
  bufferutil: boolean;
  utf8Validate: boolean;
  fdSoft: number;
  fdHard: number;
  /** 1-minute load average when the run started: other work on the machine skews every figure. */
  loadAverageAtStart: number;
}

function cpuModel(): string {
  try {
    const text = fs.readFileSync('/proc/cpuinfo', 'utf8');
    const m = /^model name\s*:\s*(.+)$/m.exec(text);
    if (m) return m[1]!.trim();
  } catch {
    /* not Linux */
  }
  return os.cpus()[0]?.model ?? 'unknown';
}

/** The runner's RLIMIT_NOFILE, read through a shell since Node has no getrlimit. */
export function fdLimits(): { soft: number; hard: number } {
  const read = (flag: string): number => {
    try {
      const out = execFileSync('/bin/sh', ['-c', `ulimit ${flag}`], { encoding: 'utf8' }).trim();
      return out === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(out);
    } catch {
      return NaN;
    }
  };
  return { soft: read('-Sn'), hard: read('-Hn') };
}

function resolves(name: string): boolean {
  try {
    require.resolve(name);
    return true;
  } catch {
    return false;
  }
}

export function machineInfo(): MachineInfo {
  const fd = fdLimits();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const wsVersion = (require('ws/package.json') as { version: string }).version;
  return {
    cpuModel: cpuModel(),
    cores: os.cpus().length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    wsVersion,
    bufferutil: resolves('bufferutil'),
    utf8Validate: resolves('utf-8-validate'),
    fdSoft: fd.soft,
    fdHard: fd.hard,
    loadAverageAtStart: Math.round(os.loadavg()[0]! * 100) / 100,
  };
}

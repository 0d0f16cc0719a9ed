/**
 * Reading a process's memory from Linux's /proc/<pid>/status text: VmRSS (resident now) and
 * VmHWM (the peak resident size, which writing "5" to /proc/<pid>/clear_refs resets). Pure.
 */

/** The value of a `Vm...: <n> kB` line, in bytes; NaN when the line is missing. */
export function statusBytes(statusText: string, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`^${field}:\\s*(\\d+)\\s*kB$`, 'm').exec(statusText);
  return match ? Number(match[1]) * 1024 : NaN;
}

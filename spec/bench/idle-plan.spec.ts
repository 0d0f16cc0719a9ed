import { FD_MARGIN, idleTarget, planClients, portRangeSize } from '../../bench/lib/idle-plan';
import { statusBytes } from '../../bench/lib/proc-status';

describe('idle connection planning', () => {
  it('aims for the wanted count unless the server descriptor limit allows fewer, and says why', () => {
    expect(idleTarget(3000, 20000)).toEqual({ connections: 3000, cappedBy: null });
    const capped = idleTarget(100_000, 20000);
    expect(capped.connections).toBe(20000 - FD_MARGIN);
    expect(capped.cappedBy).toMatch(/file-descriptor hard limit \(20000/);
    expect(idleTarget(100_000, Infinity)).toEqual({ connections: 100_000, cappedBy: null });
    expect(() => idleTarget(0, 20000)).toThrow(/at least 1/);
  });

  it('lets the kernel pick the source address while one has ports enough', () => {
    const shares = planClients(19_744, 10_000, 26_000);
    expect(shares).toEqual([
      { localAddress: undefined, connections: 9872 },
      { localAddress: undefined, connections: 9872 },
    ]);
  });

  it('gives each process its own loopback source address past one address worth of ports, shares differing by one at most', () => {
    const shares = planClients(100_001, 10_000, 26_000);
    expect(shares).toHaveLength(11);
    expect(shares.map((s) => s.localAddress)).toEqual(Array.from({ length: 11 }, (_, i) => `127.0.0.${i + 2}`));
    expect(shares.reduce((sum, s) => sum + s.connections, 0)).toBe(100_001);
    const sizes = shares.map((s) => s.connections);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(10_000);
  });

  it('refuses plans that cannot work', () => {
    expect(planClients(0, 10, 100)).toEqual([]);
    expect(() => planClients(1000, 0, 100)).toThrow(/perProcess/);
    expect(() => planClients(1.5, 10, 100)).toThrow(/total/);
    expect(() => planClients(1000, 500, 100)).toThrow(/do not fit/);
    expect(() => planClients(300_000, 1000, 1000)).toThrow(/127\.0\.0\.2-254/);
  });

  it('reads the size of the ephemeral port range', () => {
    expect(portRangeSize('32768\t60999\n')).toBe(28_232);
    expect(() => portRangeSize('nonsense')).toThrow(/not a port range/);
  });
});

describe('/proc status memory lines', () => {
  const status = 'Name:\tnode\nVmPeak:\t 1000 kB\nVmHWM:\t  127880 kB\nVmRSS:\t  120216 kB\nThreads:\t7\n';

  it('reads VmRSS and VmHWM in bytes', () => {
    expect(statusBytes(status, 'VmRSS')).toBe(120216 * 1024);
    expect(statusBytes(status, 'VmHWM')).toBe(127880 * 1024);
  });

  it('gives NaN for a missing line rather than a wrong number', () => {
    expect(statusBytes('Name:\tnode\n', 'VmHWM')).toBeNaN();
  });
});

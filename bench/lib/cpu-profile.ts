/** Reading a V8 CPU profile (a `.cpuprofile` from `node --cpu-prof`): where the time went. */

/** The parts of a `.cpuprofile` this reads. */
export interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>;
  samples: number[];
  timeDeltas: number[];
}

/** One function's share of the samples' time spent in it (not in what it called). */
export interface SelfTime {
  /** `name file:line`, the file shortened to its last two path parts; `(anonymous)` for a
   *  nameless function; V8's own entries ((idle), (garbage collector), (program)) as they are. */
  where: string;
  /** Percent of the profile's whole time. */
  percent: number;
}

/**
 * Self time per function, largest first, the `top` largest. Nodes of one function (the same
 * name, file and line reached by different call paths) are summed. Each sample is charged the
 * time delta recorded with it, as V8 records them.
 */
export function selfTimes(profile: CpuProfile, top = 25): SelfTime[] {
  const byNode = new Map<number, number>();
  profile.samples.forEach((id, i) => byNode.set(id, (byNode.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const byFunction = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    const time = byNode.get(node.id) ?? 0;
    total += time;
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url === '' ? functionName || '(anonymous)' : `${functionName || '(anonymous)'} ${url.split('/').slice(-2).join('/')}:${lineNumber + 1}`;
    byFunction.set(where, (byFunction.get(where) ?? 0) + time);
  }
  return [...byFunction]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([where, time]) => ({ where, percent: total === 0 ? 0 : (100 * time) / total }));
}

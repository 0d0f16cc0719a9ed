/** What a scenario module provides to the runner. */

export type Impl = 'raw' | 'ws' | 'rxws';
/** Every implementation a scenario may run: the three above, and socket.io for scale-out. */
export type AnyImpl = Impl | 'socketio';
export const IMPLS: readonly Impl[] = ['raw', 'ws', 'rxws'];

export interface RunOptions {
  quick: boolean;
  rounds: number;
  /** Measured seconds per sample. */
  seconds: number;
  /** Warm-up seconds before each measured window. */
  warmupSeconds: number;
  /** Idle connections for the memory scenario, after the fd-limit check. */
  memoryConnections: number;
  /** Soft/hard RLIMIT_NOFILE of the runner. */
  fdSoft: number;
  fdHard: number;
}

export interface MetricDef {
  key: string;
  label: string;
  digits: number;
  better: 'higher' | 'lower';
}

export interface CaseDef {
  id: string;
  label: string;
  params: Record<string, number>;
}

/** Thrown by setup or measure when an implementation cannot run at all (it is then skipped). */
export class SkipImplementation extends Error {}

export type Measured = Record<string, number>;

export interface Scenario<Env = unknown, I extends AnyImpl = Impl> {
  name: string;
  title: string;
  /** One paragraph for the report: what is measured and how. */
  description: string;
  implementations: readonly I[];
  /** The first metric is the headline one: ratios against ws and raw use it. */
  metrics: MetricDef[];
  /** Ratios of these metrics against another implementation, paired by round (e.g. rxws vs socket.io). */
  ratios?: { against: I; metrics: string[] };
  cases(o: RunOptions): CaseDef[];
  rounds?(o: RunOptions): number;
  setup(impl: I, o: RunOptions): Promise<Env>;
  measure(env: Env, c: CaseDef, impl: I, o: RunOptions): Promise<Measured>;
  teardown(env: Env): Promise<void>;
}

export const ms = (seconds: number): number => Math.round(seconds * 1000);

/** The shape of bench/results/latest.json and the summaries built from per-round samples. */
import { summarize, type Summary } from './stats';

export interface ImplResult {
  /** One entry per round; null where that round's sample failed. */
  samples: Array<Record<string, number> | null>;
  summary: Record<string, Summary>;
  /** Headline metric divided by the same round's ws / raw figure. */
  vsWs: Summary | null;
  vsRaw: Summary | null;
  /** With a scenario's `ratios`: each listed metric divided by the same round's figure of `against`. */
  vsBaseline?: Record<string, Summary | null>;
}

export interface CaseResult {
  id: string;
  label: string;
  impls: Record<string, ImplResult>;
}

export interface ScenarioResult {
  name: string;
  title: string;
  description: string;
  metrics: Array<{ key: string; label: string; digits: number; better: 'higher' | 'lower' }>;
  ratios?: { against: string; metrics: string[] };
  rounds: number;
  implementations: string[];
  skipped: Record<string, string>;
  failures: string[];
  cases: CaseResult[];
  seconds: number;
}

/** Ratios of `key` between two implementations, paired by round. */
export function pairedRatios(
  a: Array<Record<string, number> | null>,
  b: Array<Record<string, number> | null> | undefined,
  key: string,
): Summary | null {
  if (!b) return null;
  const ratios: number[] = [];
  for (let i = 0; i < a.length; i++) {
    const x = a[i]?.[key];
    const y = b[i]?.[key];
    if (x !== undefined && y !== undefined && y !== 0 && Number.isFinite(x) && Number.isFinite(y)) ratios.push(x / y);
  }
  return ratios.length ? summarize(ratios) : null;
}

export function summarizeSamples(samples: Array<Record<string, number> | null>, keys: string[]): Record<string, Summary> {
  const out: Record<string, Summary> = {};
  for (const key of keys) {
    out[key] = summarize(samples.flatMap((s) => (s && s[key] !== undefined ? [s[key]!] : [])));
  }
  return out;
}

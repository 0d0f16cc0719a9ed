/**
 * Benchmark runner: `npx tsx bench/run.ts [--quick] [--only echo,client,…] [--rounds N] [--seconds S]`.
 * For every scenario and round it starts each implementation's server in its own process,
 * measures every case with the implementations alternated (order rotated per round), stops the
 * servers, and finally prints tables, writes bench/results/latest.json and docs/benchmarks.md.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BENCH_DIR, runBenchMain } from './lib/child';
import { machineInfo } from './lib/machine';
import { markdownReport, machineLine, scenarioText, type RunReport } from './lib/report';
import { pairedRatios, summarizeSamples, type CaseResult, type ScenarioResult } from './lib/results';
import { formatNumber } from './lib/table';
import { broadcastScenario } from './scenarios/broadcast';
import { clientScenario } from './scenarios/client';
import { echoScenario } from './scenarios/echo';
import { handshakeScenario } from './scenarios/handshake';
import { idleMaxScenario, idleMaxTarget } from './scenarios/idle-max';
import { latencyScenario } from './scenarios/latency';
import { memoryScenario } from './scenarios/memory';
import { reconnectStormScenario } from './scenarios/reconnect-storm';
import { coresScenario, scaleOutScenario } from './scenarios/scale-out';
import { topicFanoutScenario } from './scenarios/topic-fanout';
import { topicIdleScenario } from './scenarios/topic-idle';
import { topicRoomsScenario } from './scenarios/topic-rooms';
import { SkipImplementation, type AnyImpl as Impl, type Measured, type RunOptions, type Scenario } from './scenarios/types';

const SCENARIOS: Array<Scenario<any, any>> = [
  echoScenario,
  clientScenario,
  broadcastScenario,
  topicFanoutScenario,
  topicRoomsScenario,
  topicIdleScenario,
  handshakeScenario,
  memoryScenario,
  idleMaxScenario,
  reconnectStormScenario,
  latencyScenario,
  scaleOutScenario,
  coresScenario,
];

const MEMORY_CONNECTIONS = 10_000;
const QUICK_MEMORY_CONNECTIONS = 2_000;
const FD_MARGIN = 256;

interface Cli {
  quick: boolean;
  only: string[] | null;
  rounds: number | null;
  seconds: number | null;
}

function parseArgs(argv: string[]): Cli {
  const cli: Cli = { quick: false, only: null, rounds: null, seconds: null };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    if (arg === '--quick') cli.quick = true;
    else if (arg === '--only') cli.only = value().split(',').map((s) => s.trim()).filter(Boolean);
    else if (arg === '--rounds') cli.rounds = Number(value());
    else if (arg === '--seconds') cli.seconds = Number(value());
    else if (arg === '--help' || arg === '-h') {
      console.log('usage: npx tsx bench/run.ts [--quick] [--only ' + SCENARIOS.map((s) => s.name).join(',') + '] [--rounds N] [--seconds S]');
      process.exit(0);
    } else throw new Error(`unknown argument ${arg}`);
  }
  if (cli.rounds !== null && !(Number.isInteger(cli.rounds) && cli.rounds >= 1 && cli.rounds <= 50)) {
    throw new Error('--rounds must be an integer from 1 to 50');
  }
  if (cli.seconds !== null && !(cli.seconds >= 0.1 && cli.seconds <= 60)) throw new Error('--seconds must be from 0.1 to 60');
  if (cli.only) {
    const unknown = cli.only.filter((n) => !SCENARIOS.some((s) => s.name === n));
    if (unknown.length) throw new Error(`unknown scenario ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.name).join(', ')}`);
  }
  return cli;
}

const rotate = <T>(xs: readonly T[], by: number): T[] => xs.map((_, i) => xs[(i + by) % xs.length]!);

function headline(s: Scenario<any, any>, m: Measured): string {
  const k = s.metrics[0]!;
  return `${formatNumber(m[k.key] ?? NaN, k.digits)} ${k.label}`;
}

async function runScenario(s: Scenario<any, any>, o: RunOptions): Promise<ScenarioResult> {
  const started = Date.now();
  const rounds = s.rounds?.(o) ?? o.rounds;
  const cases = s.cases(o);
  const skipped: Record<string, string> = {};
  const failures: string[] = [];
  const samples = new Map<string, Map<Impl, Array<Measured | null>>>();
  for (const c of cases) samples.set(c.id, new Map(s.implementations.map((i) => [i, Array<Measured | null>(rounds).fill(null)])));
  const skip = (impl: Impl, why: string): void => {
    if (skipped[impl]) return;
    skipped[impl] = why;
    console.log(`  skip ${impl}: ${why}`);
  };

  console.log(`\n# ${s.title}: ${cases.length} case(s) × ${s.implementations.length} impls × ${rounds} round(s)`);
  for (let round = 0; round < rounds; round++) {
    const order = rotate(s.implementations, round).filter((i) => !skipped[i]);
    const envs = new Map<Impl, unknown>();
    try {
      // Servers start together (they only compete while starting, never while measured).
      await Promise.all(
        order.map(async (impl) => {
          try {
            envs.set(impl, await s.setup(impl, o));
          } catch (err) {
            skip(impl, (err as Error).message);
          }
        }),
      );
      for (const c of cases) {
        for (const impl of order) {
          if (!envs.has(impl) || skipped[impl]) continue;
          try {
            const m = await s.measure(envs.get(impl), c, impl, o);
            samples.get(c.id)!.get(impl)![round] = m;
            console.log(`  r${round + 1} ${c.label.padEnd(22)} ${impl.padEnd(5)} ${headline(s, m)}`);
          } catch (err) {
            if (err instanceof SkipImplementation) skip(impl, err.message);
            else {
              const msg = `round ${round + 1}, ${c.label}, ${impl}: ${(err as Error).message}`;
              failures.push(msg);
              console.log(`  FAILED ${msg}`);
            }
          }
        }
      }
    } finally {
      await Promise.all([...envs.values()].map((env) => s.teardown(env).catch(() => undefined)));
    }
  }

  const keys = s.metrics.map((m) => m.key);
  const head = keys[0]!;
  const caseResults: CaseResult[] = cases.map((c) => {
    const byImpl = samples.get(c.id)!;
    const impls: CaseResult['impls'] = {};
    for (const impl of s.implementations) {
      const own = byImpl.get(impl)!;
      impls[impl] = {
        samples: own,
        summary: summarizeSamples(own, keys),
        vsWs: pairedRatios(own, byImpl.get('ws'), head),
        vsRaw: pairedRatios(own, byImpl.get('raw'), head),
        ...(s.ratios && impl !== s.ratios.against
          ? { vsBaseline: Object.fromEntries(s.ratios.metrics.map((k) => [k, pairedRatios(own, byImpl.get(s.ratios!.against), k)])) }
          : {}),
      };
    }
    return { id: c.id, label: c.label, impls };
  });
  return {
    name: s.name,
    title: s.title,
    description: s.description,
    metrics: s.metrics,
    ...(s.ratios ? { ratios: s.ratios } : {}),
    rounds,
    implementations: [...s.implementations],
    skipped,
    failures,
    cases: caseResults,
    seconds: (Date.now() - started) / 1000,
  };
}

/** The generator-validation line: raw net echo vs ws echo at 50 × 32 B, the most per-message-bound case. */
function saturationNote(results: ScenarioResult[]): string | null {
  const echo = results.find((r) => r.name === 'echo');
  const c = echo?.cases.find((x) => x.id === 'c50-p32') ?? echo?.cases[0];
  const raw = c?.impls['raw']?.summary['msgsPerSec'];
  const ws = c?.impls['ws']?.summary['msgsPerSec'];
  if (!c || !raw || !ws || !Number.isFinite(raw.median) || !Number.isFinite(ws.median)) return null;
  const gen = c.impls['ws']?.summary['clientCpuPct'];
  return (
    `Generator check (${c.label}): raw net echo ${formatNumber(raw.median)} msgs/s vs ws ${formatNumber(ws.median)} msgs/s ` +
    `(${formatNumber(raw.median / ws.median, 1)}×); while driving ws the generator used ${formatNumber(gen?.median ?? NaN)}% of a core, ` +
    'so ws, not the generator, sets the ws figures.'
  );
}

async function main(): Promise<void> {
  const cli = parseArgs(process.argv.slice(2));
  const machine = machineInfo();
  // --quick opens 2,000 idle connections instead of 10,000 to stay under two minutes; per-connection
  // figures barely move with the count, the opening time does.
  const wantedConns = cli.quick ? QUICK_MEMORY_CONNECTIONS : MEMORY_CONNECTIONS;
  const memoryConnections = Number.isFinite(machine.fdSoft)
    ? Math.max(100, Math.min(wantedConns, machine.fdSoft - FD_MARGIN))
    : wantedConns;
  const o: RunOptions = {
    quick: cli.quick,
    rounds: cli.rounds ?? (cli.quick ? 2 : 5),
    seconds: cli.seconds ?? (cli.quick ? 0.4 : 2),
    warmupSeconds: cli.quick ? 0.2 : 0.5,
    memoryConnections,
    fdSoft: machine.fdSoft,
    fdHard: machine.fdHard,
  };
  const notes: string[] = [];
  notes.push(
    `File-descriptor limit of the runner: soft ${machine.fdSoft}, hard ${machine.fdHard}; memory scenario uses ` +
      `${memoryConnections.toLocaleString('en-US')} connections` +
      (memoryConnections < wantedConns
        ? ` instead of ${wantedConns.toLocaleString('en-US')} (raise \`ulimit -n\` to get all).`
        : cli.quick
          ? ` (--quick; a full run uses ${MEMORY_CONNECTIONS.toLocaleString('en-US')}).`
          : '.'),
  );
  if (machine.loadAverageAtStart > machine.cores * 0.5) {
    const busy =
      `The machine was busy at the start (1-minute load average ${machine.loadAverageAtStart} on ${machine.cores} cores): ` +
      'absolute figures are skewed by other work; same-round ratios less so.';
    notes.push(busy);
    console.log(`WARNING: ${busy}`);
  }
  const selected = SCENARIOS.filter((s) => !cli.only || cli.only.includes(s.name));
  if (selected.includes(idleMaxScenario)) {
    const t = idleMaxTarget(o);
    notes.push(
      `idle-max wants ${cli.quick ? '3,000 (--quick)' : '100,000'} idle connections and opens ${t.connections.toLocaleString('en-US')}` +
        (t.cappedBy ? `: capped by ${t.cappedBy}.` : '.'),
    );
  }
  console.log(`rxws benchmarks on ${machineLine(machine)}`);
  console.log(`ws ${machine.wsVersion}, bufferutil ${machine.bufferutil ? 'installed' : 'not installed'}; rounds ${o.rounds}, ${o.seconds}s per sample (+${o.warmupSeconds}s warm-up)`);
  console.log(notes[0]);

  const results: ScenarioResult[] = [];
  const t0 = Date.now();
  for (const s of selected) {
    const r = await runScenario(s, o);
    results.push(r);
    console.log(scenarioText(r));
  }
  const endLoad = os.loadavg()[0]!;
  notes.push(`1-minute load average: ${machine.loadAverageAtStart} at the start, ${formatNumber(endLoad, 2)} at the end (${machine.cores} cores).`);
  const note = saturationNote(results);
  if (note) {
    notes.push(note);
    console.log(`\n${note}`);
  }
  const report: RunReport = {
    date: new Date().toISOString(),
    machine,
    options: {
      quick: o.quick,
      rounds: o.rounds,
      seconds: o.seconds,
      warmupSeconds: o.warmupSeconds,
      scenarios: selected.map((s) => s.name),
    },
    notes,
    scenarios: results,
  };
  const resultsDir = path.join(BENCH_DIR, 'results');
  fs.mkdirSync(resultsDir, { recursive: true });
  fs.writeFileSync(path.join(resultsDir, 'latest.json'), JSON.stringify(report, null, 2) + '\n');
  const docs = path.resolve(BENCH_DIR, '..', 'docs', 'benchmarks.md');
  fs.mkdirSync(path.dirname(docs), { recursive: true });
  fs.writeFileSync(docs, markdownReport(report));
  console.log(`\nwrote bench/results/latest.json and docs/benchmarks.md in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

runBenchMain(main);

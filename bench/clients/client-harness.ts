/**
 * Runs one client-throughput job in its own process and reports the result over IPC: a client
 * library under test must not share a heap or an event loop with the runner.
 */

export interface ClientJob {
  url: string;
  payloadBytes: number;
  window: number;
  warmupMs: number;
  measureMs: number;
}

export interface ClientResult {
  seconds: number;
  messages: number;
  bytes: number;
  clientCpuPct: number;
}

/** What a client implementation provides: open, send, receive, close. */
export interface ClientDriver {
  send(payload: Uint8Array): void;
  /** Registers the reply callback; `bytes` is the payload length of the reply. */
  onMessage(handler: (bytes: number) => void): void;
  close(): Promise<void>;
}

const MAX_LIFETIME_MS = 5 * 60 * 1000;

function send(msg: Record<string, unknown>): void {
  if (process.send && process.connected) process.send(msg);
}

export function runClient(name: string, open: (url: string) => Promise<ClientDriver>): void {
  setTimeout(() => process.exit(3), MAX_LIFETIME_MS).unref();
  process.on('disconnect', () => process.exit(0));
  const job = JSON.parse(process.argv[2] ?? '{}') as ClientJob;
  drive(job, open).then(
    (result) => {
      send({ type: 'result', ...result });
      setTimeout(() => process.exit(0), 20);
    },
    (err: unknown) => {
      const message = err instanceof Error ? err.message : String(err);
      process.stderr.write(`${name}: ${message}\n`);
      send({ type: 'error', message: `${name}: ${message}` });
      setTimeout(() => process.exit(1), 20);
    },
  );
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Keeps `window` messages in flight, sending one more per reply, and counts replies. */
async function drive(job: ClientJob, open: (url: string) => Promise<ClientDriver>): Promise<ClientResult> {
  const client = await open(job.url);
  const payload = new Uint8Array(job.payloadBytes).fill(0x61);
  let messages = 0;
  let bytes = 0;
  let stopped = false;
  client.onMessage((n) => {
    messages++;
    bytes += n;
    if (!stopped) client.send(payload);
  });
  for (let i = 0; i < job.window; i++) client.send(payload);
  await sleep(job.warmupMs);
  const m0 = messages;
  const b0 = bytes;
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await sleep(job.measureMs);
  const m1 = messages;
  const b1 = bytes;
  const c1 = process.cpuUsage(c0);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  stopped = true;
  await client.close();
  if (m1 === m0) throw new Error(`no replies during the ${job.measureMs} ms window`);
  return {
    seconds,
    messages: m1 - m0,
    bytes: b1 - b0,
    clientCpuPct: ((c1.user + c1.system) / 1e6 / seconds) * 100,
  };
}

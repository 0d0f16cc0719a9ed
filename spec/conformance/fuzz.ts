// The fuzzing peer and its case runner. A case is a list of actions (frames to write, byte-exact,
// in one write or chopped; points where we wait for answers) and the outcome RFC 6455 demands.
// The runner plays the role opposite the testee (a masking client against the rxws server, an
// unmasked server against the rxws client), records everything that comes back and who closed
// what, and the spec compares the whole record with the expectation in one `toEqual`.
import type { Duplex } from 'node:stream';
import { Op, OPCODE_NAMES, bytesOf, closeBody, describePayload, encodeWire, type FrameSpec, type WireFrame, WireReader } from './wire';
import type { Role, Testee } from './testees';
import { flushTimings, recordTiming } from './timings';

export type Action =
  /** Write the frames' bytes: in one write, or `chop` bytes per write (only for the first
   *  `chopLimit` bytes when given; the rest then goes in one write). */
  | { kind: 'send'; frames: FrameSpec[]; chop?: number; chopLimit?: number }
  | { kind: 'wait'; frames: number };

export interface Expectation {
  /** Frames the testee sends before its close frame, in order: always FIN, RSV 0. */
  frames: Array<{ opcode: number; payload: Uint8Array | string }>;
  /** The testee must fail the connection with this code (it sends the first close frame). */
  fail?: number;
  /** The fuzzer closes (a close among the actions, or 1000 sent by the runner once the echoes are
   *  in): the testee's reply must carry this code, 'empty' for an empty body. Default 1000. */
  echo?: number | 'empty';
  /** The code the testee's application sees; default the fail code, or the echoed code (1005 for empty). */
  appCode?: number;
}

export interface Case {
  id: string;
  title: string;
  /** Which testees the case applies to (default both). */
  roles?: readonly Role[];
  actions: Action[];
  expect: Expectation;
  /** Put the first action's bytes in the same TCP write as the handshake (the upgrade request,
   *  or the 101), instead of writing them once the testee's application is listening. */
  withHandshake?: boolean;
  /** Bound on each wait of the case (default 5 s; section 9 raises it). */
  timeoutMs?: number;
}

/** What one run observed, in the shape it is compared in. */
export interface Outcome {
  /** Non-close frames before the testee's close: "text 5:68656c6c6f" (+ " nofin", " rsv4"). */
  frames: string[];
  /** §5.1/§5.3: server frames are never masked, client frames always are. */
  masking: 'ok' | string;
  /** Who sent the first close frame, and the code the testee's close frame carried. */
  close: { initiator: 'fuzzer' | 'testee' | 'none'; code: number | 'empty' | 'none' | 'malformed' };
  /** Frames the testee sent after its close frame (§5.5.1: none). */
  afterClose: number;
  /** Who closed the TCP connection first (§7.1.1: the server; a client waits for it). */
  tcpClosedBy: 'testee' | 'fuzzer' | 'nobody';
  /** The close code the testee's application saw. */
  appCode: number | 'none';
}

const MASK_KEY = Uint8Array.of(0x3c, 0x9a, 0x51, 0xe7);
/** After the testee's close, how long a client testee gets to (wrongly) close TCP before we do. */
export const CLIENT_FIN_WINDOW_MS = 30;
const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export const send = (...frames: FrameSpec[]): Action => ({ kind: 'send', frames });
export const sendChopped = (chop: number, ...frames: FrameSpec[]): Action => ({ kind: 'send', frames, chop });
export const sendChoppedHead = (chop: number, chopLimit: number, ...frames: FrameSpec[]): Action => ({ kind: 'send', frames, chop, chopLimit });
export const wait = (frames: number): Action => ({ kind: 'wait', frames });
export const text = (payload: Uint8Array | string = '', more: Partial<FrameSpec> = {}): FrameSpec => ({ opcode: Op.Text, payload, ...more });
export const binary = (payload: Uint8Array | string = '', more: Partial<FrameSpec> = {}): FrameSpec => ({ opcode: Op.Binary, payload, ...more });
export const cont = (payload: Uint8Array | string = '', more: Partial<FrameSpec> = {}): FrameSpec => ({ opcode: Op.Continuation, payload, ...more });
export const ping = (payload: Uint8Array | string = '', more: Partial<FrameSpec> = {}): FrameSpec => ({ opcode: Op.Ping, payload, ...more });
export const pong = (payload: Uint8Array | string = '', more: Partial<FrameSpec> = {}): FrameSpec => ({ opcode: Op.Pong, payload, ...more });
export const close = (payload: Uint8Array | string = '', more: Partial<FrameSpec> = {}): FrameSpec => ({ opcode: Op.Close, payload, ...more });
export const closeWith = (code: number, reason: string | Uint8Array = ''): FrameSpec => close(closeBody(code, reason));
export const echoText = (payload: Uint8Array | string) => ({ opcode: Op.Text, payload });
export const echoBinary = (payload: Uint8Array | string) => ({ opcode: Op.Binary, payload });
export const echoPong = (payload: Uint8Array | string = '') => ({ opcode: Op.Pong, payload });

/** The fuzzer's end of one connection: frames read so far, TCP events, event-driven waits. */
class Wire {
  readonly frames: WireFrame[] = [];
  closeAt = -1;
  peerEnded = false;
  weEnded = false;
  socketClosed = false;
  private readonly reader = new WireReader();
  private waiters: Array<() => void> = [];

  constructor(readonly socket: Duplex, leftover: Buffer) {
    socket.on('data', (chunk: Buffer) => this.take(chunk));
    socket.on('end', () => {
      if (!this.weEnded) this.peerEnded = true;
      this.wake();
    });
    socket.on('close', () => {
      this.socketClosed = true;
      this.wake();
    });
    if (leftover.length > 0) this.take(leftover);
  }

  get dataFrames(): number {
    return this.closeAt < 0 ? this.frames.length : this.closeAt;
  }

  get closeReceived(): boolean {
    return this.closeAt >= 0;
  }

  private take(chunk: Buffer): void {
    for (const frame of this.reader.push(chunk)) {
      if (frame.opcode === Op.Close && this.closeAt < 0) this.closeAt = this.frames.length;
      this.frames.push(frame);
    }
    this.wake();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Resolves true when `done()` holds, false after `timeoutMs`; re-checked on every socket event. */
  until(done: () => boolean, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const check = () => {
        if (done()) {
          if (timer !== undefined) clearTimeout(timer);
          resolve(true);
        } else this.waiters.push(check);
      };
      timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== check);
        resolve(done());
      }, timeoutMs);
      check();
    });
  }

  get writable(): boolean {
    return !this.socketClosed && !this.weEnded && !this.peerEnded && this.socket.writable;
  }

  async write(bytes: Buffer, chop?: number, chopLimit = bytes.length): Promise<void> {
    if (chop === undefined || chop >= bytes.length) {
      if (this.writable) this.socket.write(bytes);
      return;
    }
    const limit = Math.min(chopLimit, bytes.length);
    let p = 0;
    for (; p < limit; p += chop) {
      if (!this.writable) return;
      this.socket.write(bytes.subarray(p, Math.min(p + chop, limit)));
      // Give the testee a turn of the event loop, so each piece is likely its own read.
      await yieldToLoop();
    }
    if (p < bytes.length && this.writable) this.socket.write(bytes.subarray(p));
  }

  end(): void {
    this.weEnded = true;
    this.socket.end();
  }
}

function describeFrame(frame: { opcode: number; payload: Uint8Array | string; fin?: boolean; rsv?: number }): string {
  const name = OPCODE_NAMES[frame.opcode] ?? `op${frame.opcode}`;
  return `${name}${frame.fin === false ? ' nofin' : ''}${frame.rsv ? ` rsv${frame.rsv}` : ''} ${describePayload(frame.payload)}`;
}

function closeCodeOf(frame: WireFrame): number | 'empty' | 'malformed' {
  const p = frame.payload;
  if (p.length === 0) return 'empty';
  if (p.length === 1) return 'malformed';
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(p.subarray(2));
  } catch {
    return 'malformed';
  }
  return p.readUInt16BE(0);
}

/** A close frame that starts a closing handshake; an invalid one (RSV, fragmented, bad code or
 *  length, bad UTF-8) does not count: the testee must fail the connection instead. */
function isValidClose(f: FrameSpec): boolean {
  if (f.opcode !== Op.Close || (f.rsv ?? 0) !== 0 || f.fin === false || f.declaredLength !== undefined) return false;
  const p = bytesOf(f.payload);
  if (p.length === 0) return true;
  if (p.length === 1 || p.length > 125) return false;
  const code = p.readUInt16BE(0);
  if (!((code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999))) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(p.subarray(2));
    return true;
  } catch {
    return false;
  }
}

/** The outcome RFC 6455 asks for, for this case and this testee. */
export function expectedOutcome(role: Role, c: Case): Outcome {
  const e = c.expect;
  const fails = e.fail !== undefined;
  const echo = e.echo ?? 1000;
  return {
    frames: e.frames.map((f) => describeFrame(f)),
    masking: 'ok',
    close: fails ? { initiator: 'testee', code: e.fail! } : { initiator: 'fuzzer', code: echo },
    afterClose: 0,
    // §7.1.1: "the underlying TCP connection, in most normal cases, SHOULD be closed first by
    // the server"; "when a client is instructed to [Close the WebSocket Connection], it SHOULD
    // wait for a TCP Close from the server". Failing (§7.1.7) includes that instruction.
    tcpClosedBy: role === 'server' ? 'testee' : 'fuzzer',
    appCode: e.appCode ?? (fails ? e.fail! : echo === 'empty' ? 1005 : echo),
  };
}

/** Runs one case against an open connection of `testee`; returns what happened. */
export async function runCase(testee: Testee, c: Case): Promise<Outcome> {
  const started = performance.now();
  const timeoutMs = c.timeoutMs ?? 5000;
  const maskKey = testee.role === 'server' ? MASK_KEY : undefined;
  const actions = [...c.actions];
  let noteCloseEarly = false;
  let early: Buffer | undefined;
  if (c.withHandshake === true && actions[0]?.kind === 'send') {
    const first = actions.shift() as Extract<Action, { kind: 'send' }>;
    early = Buffer.concat(first.frames.map((f) => encodeWire(f, maskKey)));
  }
  const opened = await testee.open(early);
  const wire = new Wire(opened.socket, opened.leftover);
  // The echo application is subscribed before we send (as any peer's handlers would be), unless
  // the case puts frames in the handshake's own write on purpose.
  if (early === undefined) await opened.ready;
  else if (c.actions[0]!.kind === 'send' && (c.actions[0] as { frames: FrameSpec[] }).frames.some(isValidClose)) noteCloseEarly = true;
  let fuzzerClosed = noteCloseEarly;
  let initiator: 'fuzzer' | 'testee' | 'none' = noteCloseEarly ? 'fuzzer' : 'none';
  const noteClose = () => {
    if (initiator === 'none') initiator = wire.closeReceived ? 'testee' : 'fuzzer';
    fuzzerClosed = true;
  };
  const stopped = () => wire.closeReceived || wire.socketClosed || wire.peerEnded;

  for (const action of actions) {
    if (action.kind === 'wait') {
      const target = action.frames;
      await wire.until(() => wire.dataFrames >= target || stopped(), timeoutMs);
      continue;
    }
    const parts = action.frames.map((f) => encodeWire(f, maskKey));
    if (action.frames.some(isValidClose) && wire.writable) noteClose();
    await wire.write(parts.length === 1 ? parts[0]! : Buffer.concat(parts), action.chop, action.chopLimit);
  }

  if (c.expect.fail === undefined && !fuzzerClosed) {
    // Autobahn's pattern: once the echoes are in, the fuzzer starts a normal close.
    const want = c.expect.frames.length;
    await wire.until(() => wire.dataFrames >= want || stopped(), timeoutMs);
    if (!wire.closeReceived && wire.writable) {
      noteClose();
      await wire.write(encodeWire({ opcode: Op.Close, payload: closeBody(1000) }, maskKey));
    }
  }
  await wire.until(() => wire.closeReceived || wire.socketClosed, timeoutMs);
  if (wire.closeReceived && initiator === 'none') initiator = 'testee';
  if (wire.closeReceived && !fuzzerClosed && wire.writable) {
    // Answer the testee's close like any endpoint would (§5.5.1), echoing its code.
    const code = closeCodeOf(wire.frames[wire.closeAt]!);
    await wire.write(encodeWire({ opcode: Op.Close, payload: typeof code === 'number' ? closeBody(code) : '' }, maskKey));
  }

  let tcpClosedBy: Outcome['tcpClosedBy'];
  if (testee.role === 'server') {
    // The server must close TCP; we never do unless it leaves us hanging past the bound.
    await wire.until(() => wire.peerEnded || wire.socketClosed, timeoutMs);
    tcpClosedBy = wire.peerEnded ? 'testee' : wire.socketClosed ? 'testee' : 'nobody';
  } else {
    // A client must wait for the server (us) to close TCP. Give it a short window to (wrongly)
    // send its FIN first — absence cannot be awaited as an event — then close as a server does.
    await wire.until(() => wire.peerEnded || wire.socketClosed, CLIENT_FIN_WINDOW_MS);
    if (wire.peerEnded || wire.socketClosed) tcpClosedBy = 'testee';
    else {
      wire.end();
      tcpClosedBy = 'fuzzer';
    }
  }
  if (!(await wire.until(() => wire.socketClosed, timeoutMs))) {
    wire.socket.destroy();
    tcpClosedBy = 'nobody';
  }

  const appCode = await new Promise<number | 'none'>((resolve) => {
    const timer = setTimeout(() => resolve('none'), timeoutMs);
    opened.appClosed.then(
      (m) => (clearTimeout(timer), resolve(m.code)),
      () => (clearTimeout(timer), resolve('none')),
    );
  });

  const before = wire.closeReceived ? wire.frames.slice(0, wire.closeAt) : wire.frames;
  const wantMasked = testee.role === 'client';
  const badMask = wire.frames.find((f) => f.masked !== wantMasked);
  const outcome: Outcome = {
    frames: before.map((f) => describeFrame(f)),
    masking: badMask === undefined ? 'ok' : `${describeFrame(badMask)} masked=${badMask.masked}`,
    close: { initiator, code: wire.closeReceived ? closeCodeOf(wire.frames[wire.closeAt]!) : 'none' },
    afterClose: wire.closeReceived ? wire.frames.length - wire.closeAt - 1 : 0,
    tcpClosedBy,
    appCode,
  };
  recordTiming(testee.role, c.id, performance.now() - started);
  return outcome;
}

/**
 * Declares one `describe` per testee with one `it` per case. The testee is made once per
 * describe (one rxws server, or one fuzzing server for the rxws client) and disposed after.
 */
export function conformanceSection(title: string, cases: readonly Case[], roles: readonly Role[] = ['server', 'client'], make?: (role: Role) => Promise<Testee>): void {
  const ids = new Set<string>();
  for (const c of cases) {
    if (ids.has(c.id)) throw new Error(`duplicate case id ${c.id}`);
    ids.add(c.id);
  }
  for (const role of roles) {
    describe(`${title} — rxws ${role}`, () => {
      let testee: Testee;
      beforeAll(async () => {
        const { makeTestee } = await import('./testees');
        testee = await (make ?? makeTestee)(role);
      });
      afterAll(async () => {
        await testee?.dispose();
        flushTimings(title);
      });
      for (const c of cases) {
        if (c.roles !== undefined && !c.roles.includes(role)) continue;
        it(
          `${c.id} ${c.title}`,
          async () => {
            const outcome = await runCase(testee, c);
            expect(outcome).toEqual(expectedOutcome(role, c));
          },
          // Each case waits at most a few bounded steps; Jest's own bound sits above them.
          c.timeoutMs !== undefined ? c.timeoutMs * 3 + 10_000 : undefined,
        );
      }
    });
  }
}

// RELIABILITY 8 and 9 over real sockets, and frames that ride in the handshake's own TCP write.
//  - R8: a handful of small fixtures, each written in two pieces split at every byte offset, give
//    the same outcome as in one write.
//  - R9: 10,000 frames in one write are all parsed and echoed in order, and the event loop keeps
//    turning meanwhile (a setImmediate probe measures the longest gap; the bound is generous).
//  - Early frames: bytes that arrive in the same TCP segment as the upgrade request (server) or
//    the 101 (client) must be handled exactly like bytes that arrive a moment later.
import { binary, closeWith, cont, conformanceSection, echoBinary, echoPong, echoText, expectedOutcome, ping, runCase, sendChoppedHead, text, type Case } from './fuzz';
import { hex, type FrameSpec } from './wire';
import { flushTimings, recordTiming } from './timings';
import { makeTestee, type Role, type Testee } from './testees';

interface Fixture {
  name: string;
  frames: FrameSpec[];
  expect: Case['expect'];
}

const FIXTURES: Fixture[] = [
  { name: 'text, ping, binary', frames: [text('Hello'), ping('p'), binary(Uint8Array.of(1, 2, 3))], expect: { frames: [echoText('Hello'), echoPong('p'), echoBinary(Uint8Array.of(1, 2, 3))] } },
  { name: 'fragmented text with a ping inside', frames: [text('frag', { fin: false }), ping('in'), cont('ment')], expect: { frames: [echoPong('in'), echoText('fragment')] } },
  { name: 'κόσμε in 3 fragments split inside code points', frames: [text(hex('cebae1'), { fin: false }), cont(hex('bdb9cf83ce'), { fin: false }), cont(hex('bcceb5'))], expect: { frames: [echoText(hex('cebae1bdb9cf83cebcceb5'))] } },
  { name: 'close with code and reason', frames: [closeWith(1001, 'going')], expect: { frames: [], echo: 1001 } },
  { name: 'valid text, then invalid UTF-8 text', frames: [text('ok'), text(hex('41eda080'))], expect: { frames: [echoText('ok')], fail: 1007 } },
];

const MAX_FRAME_BYTES = 6 + 125; // every fixture is well under this: bound the split offsets
const splitCases: Case[] = FIXTURES.flatMap((fixture, f) => {
  const total = fixture.frames.reduce((n, spec) => n + 6 + Buffer.byteLength(typeof spec.payload === 'string' ? spec.payload : Buffer.from(spec.payload ?? [])), 0);
  if (total > MAX_FRAME_BYTES) throw new Error('fixture too big for a split sweep');
  return Array.from({ length: total - 1 }, (_, k): Case => ({
    id: `R8.${f + 1}.${k + 1}`,
    title: `${fixture.name}: split after byte ${k + 1}`,
    actions: [sendChoppedHead(k + 1, k + 1, ...fixture.frames)],
    expect: fixture.expect,
  }));
});

conformanceSection('R8 every split point', splitCases);

const earlyCases: Case[] = [
  { id: 'E.1', title: 'text, ping, binary in the handshake write: echo, pong, echo in order', withHandshake: true, actions: [{ kind: 'send', frames: [text('first'), ping('middle'), binary(Uint8Array.of(7))] }], expect: { frames: [echoText('first'), echoPong('middle'), echoBinary(Uint8Array.of(7))] } },
  { id: 'E.2', title: 'valid text, then text with RSV = 1, in the handshake write: echo, then 1002', withHandshake: true, actions: [{ kind: 'send', frames: [text('valid first'), text('bad', { rsv: 1 })] }], expect: { frames: [echoText('valid first')], fail: 1002 } },
  { id: 'E.3', title: 'fragmented text with a ping inside, in the handshake write', withHandshake: true, actions: [{ kind: 'send', frames: [text('frag', { fin: false }), ping('in'), cont('ment')] }], expect: { frames: [echoPong('in'), echoText('fragment')] } },
  { id: 'E.4', title: 'close in the handshake write: reply, clean close', withHandshake: true, actions: [{ kind: 'send', frames: [closeWith(1000)] }], expect: { frames: [] } },
  { id: 'E.5', title: 'valid text, then invalid UTF-8, in the handshake write: echo, then 1007', withHandshake: true, actions: [{ kind: 'send', frames: [text('ok'), text(hex('c0af'))] }], expect: { frames: [echoText('ok')], fail: 1007 } },
];

conformanceSection('Early frames (in the handshake write)', earlyCases);

describe('R9 10,000 frames in one write', () => {
  const roles: Role[] = ['server', 'client'];
  for (const role of roles) {
    it(`rxws ${role}: all echoed in order, and the event loop keeps turning`, async () => {
      const testee: Testee = await makeTestee(role);
      const N = 10_000;
      const c: Case = {
        id: 'R9',
        title: '10k frames',
        actions: [{ kind: 'send', frames: Array.from({ length: N }, (_, i) => (i % 2 === 0 ? text(`m${i}`) : binary(Uint8Array.of(i & 0xff)))) }],
        expect: { frames: Array.from({ length: N }, (_, i) => (i % 2 === 0 ? echoText(`m${i}`) : echoBinary(Uint8Array.of(i & 0xff)))) },
        timeoutMs: 20_000,
      };
      // setImmediate probe: the longest time between two turns of the loop while the case runs.
      let running = true;
      let last = performance.now();
      let maxGap = 0;
      let turns = 0;
      const probe = () => {
        const now = performance.now();
        maxGap = Math.max(maxGap, now - last);
        last = now;
        turns++;
        if (running) setImmediate(probe);
      };
      setImmediate(probe);
      try {
        const outcome = await runCase(testee, c);
        expect(outcome).toEqual(expectedOutcome(role, c));
      } finally {
        running = false;
        await testee.dispose();
      }
      recordTiming(role, 'R9 longest event-loop gap', maxGap);
      flushTimings('R9 10,000 frames in one write');
      expect(turns).toBeGreaterThan(0);
      // Generous: 10k frames of a few bytes each are parsed in a few ms on this machine.
      expect(maxGap).toBeLessThan(1000);
    }, 60_000);
  }
});

// Section 9 (Autobahn 9.x, "limits/performance") and 10 (misc): big messages echoed intact with
// the DEFAULT limits (32 MiB per message, 131,072 fragments): one frame up to 16 MiB, and 4 MiB
// in fragments from 64 bytes (65,536 fragments, one case 65,537) up to one frame; 1 MiB written
// in small TCP chunks; many round trips (Autobahn 9.7/9.8).
import { Op, binaryOf, textOf, type FrameSpec } from '../wire';
import { cont, echoPong, ping, send, sendChopped, wait, type Action, type Case } from '../fuzz';

// The full matrix takes about 40 s of case time on the 2-core machine, within the section's budget,
// so it is the default; RXWS_CONFORMANCE_QUICK=1 keeps a representative subset for quick runs.
export const FULL = process.env['RXWS_CONFORMANCE_QUICK'] !== '1';
const KiB = 1024;
const MiB = 1024 * KiB;
const SLOW = 60_000;

const fill = (opcode: number, length: number) => (opcode === Op.Text ? textOf(length) : binaryOf(length));
const nameOf = (opcode: number) => (opcode === Op.Text ? 'text' : 'binary');
const size = (n: number) => (n >= MiB ? `${n / MiB} MiB` : n >= KiB ? `${n / KiB} KiB` : `${n} B`);

/** `payload` as a message of frames of `fragment` bytes each (the last may be shorter). */
export function fragments(opcode: number, payload: Buffer, fragment: number): FrameSpec[] {
  const frames: FrameSpec[] = [];
  for (let p = 0; p < payload.length || p === 0; p += fragment) {
    const end = Math.min(p + fragment, payload.length);
    frames.push({ opcode: p === 0 ? opcode : Op.Continuation, payload: payload.subarray(p, end), fin: end >= payload.length });
    if (end >= payload.length) break;
  }
  return frames;
}

const cases: Array<Case & { subset: boolean }> = [];

const SINGLE = [64 * KiB, 256 * KiB, 1 * MiB, 4 * MiB, 8 * MiB, 16 * MiB];
[Op.Text, Op.Binary].forEach((opcode, k) =>
  SINGLE.forEach((length, i) => {
    const payload = fill(opcode, length);
    cases.push({
      id: `9.${k + 1}.${i + 1}`,
      title: `${nameOf(opcode)} message of ${size(length)} in one frame`,
      actions: [send({ opcode, payload })],
      expect: { frames: [{ opcode, payload }] },
      timeoutMs: SLOW,
      subset: opcode === Op.Text ? [0, 2, 5].includes(i) : [0, 5].includes(i),
    });
  }),
);

const FRAGMENT_SIZES = [64, 256, 1 * KiB, 4 * KiB, 16 * KiB, 64 * KiB, 256 * KiB, 1 * MiB, 4 * MiB];
[Op.Text, Op.Binary].forEach((opcode, k) => {
  const payload = fill(opcode, 4 * MiB);
  FRAGMENT_SIZES.forEach((fragment, i) => {
    cases.push({
      id: `9.${k + 3}.${i + 1}`,
      title: `${nameOf(opcode)} message of 4 MiB in ${Math.ceil(payload.length / fragment)} fragments of ${size(fragment)}`,
      actions: [send(...fragments(opcode, payload, fragment))],
      expect: { frames: [{ opcode, payload }] },
      timeoutMs: SLOW,
      subset: opcode === Op.Text ? [0, 3, 7].includes(i) : [0, 7].includes(i),
    });
  });
  const odd = fill(opcode, 4 * MiB + 64);
  cases.push({
    id: `9.${k + 3}.10`,
    title: `${nameOf(opcode)} message of 4 MiB + 64 B in 65,537 fragments of 64 B`,
    actions: [send(...fragments(opcode, odd, 64))],
    expect: { frames: [{ opcode, payload: odd }] },
    timeoutMs: SLOW,
    subset: opcode === Op.Text,
  });
});

const CHOPS = [64, 128, 256, 512, 1024, 2048, 4096];
[Op.Text, Op.Binary].forEach((opcode, k) => {
  const payload = fill(opcode, 1 * MiB);
  CHOPS.forEach((chop, i) => {
    cases.push({
      id: `9.${k + 5}.${i + 1}`,
      title: `${nameOf(opcode)} message of 1 MiB in one frame, written ${chop} bytes at a time`,
      actions: [sendChopped(chop, { opcode, payload })],
      expect: { frames: [{ opcode, payload }] },
      timeoutMs: SLOW,
      subset: opcode === Op.Text ? i === 4 : i === 6,
    });
  });
});

const ROUND_TRIP_SIZES = [0, 16, 64, 256, 1024, 4096];
[Op.Text, Op.Binary].forEach((opcode, k) => {
  ROUND_TRIP_SIZES.forEach((length, i) => {
    const payload = fill(opcode, length);
    const actions: Action[] = [];
    for (let n = 0; n < 1000; n++) actions.push(send({ opcode, payload }), wait(n + 1));
    cases.push({
      id: `9.${k + 7}.${i + 1}`,
      title: `1000 round trips of ${nameOf(opcode)} messages of ${size(length)}`,
      actions,
      expect: { frames: Array.from({ length: 1000 }, () => ({ opcode, payload })) },
      timeoutMs: SLOW,
      subset: i === 1,
    });
  });
});

export const limitsCases: Case[] = cases.filter((c) => FULL || c.subset).map(({ subset: _subset, ...c }) => c);
export const limitsCaseTotal = cases.length;

/** Section 10: a 16 MiB message in many fragments with pings between; the pongs come first. */
function interleaved(id: string, fragment: number, pingEvery: number): Case {
  const payload = textOf(16 * MiB);
  const frames = fragments(Op.Text, payload, fragment);
  const last = frames.pop()!;
  const actions: Action[] = [];
  const pongs: Array<ReturnType<typeof echoPong>> = [];
  let batch: FrameSpec[] = [];
  frames.forEach((f, i) => {
    batch.push(f);
    if ((i + 1) % pingEvery === 0) {
      const p = `ping ${pongs.length}`;
      batch.push(ping(p));
      pongs.push(echoPong(p));
    }
    if (batch.length >= 512) {
      actions.push(send(...batch));
      batch = [];
    }
  });
  if (batch.length > 0) actions.push(send(...batch));
  // Every pong must be back while the message is still incomplete, before its last fragment.
  actions.push(wait(pongs.length), send(last));
  return {
    id,
    title: `16 MiB text in ${frames.length + 1} fragments of ${size(fragment)}, a ping every ${pingEvery}: ${pongs.length} pongs before the message`,
    actions,
    expect: { frames: [...pongs, { opcode: Op.Text, payload }] },
    timeoutMs: SLOW,
  };
}

export const miscCases: Case[] = [
  {
    id: '10.1.1',
    title: 'text of 65536 bytes in fragments of 1300 bytes',
    actions: [send(...fragments(Op.Text, textOf(65536), 1300))],
    expect: { frames: [{ opcode: Op.Text, payload: textOf(65536) }] },
  },
  interleaved('10.2.1', 64 * KiB, 1),
  interleaved('10.2.2', 4 * KiB, 256),
  {
    id: '10.2.3',
    title: 'binary of 1 MiB in 1 KiB fragments with a ping after each: 1024 pongs, then the message',
    actions: [
      send(...fragments(Op.Binary, binaryOf(MiB), KiB).slice(0, -1).flatMap((f, i) => [f, ping(`${i}`)])),
      wait(1023),
      send(cont(binaryOf(MiB).subarray(MiB - KiB))),
    ],
    expect: { frames: [...Array.from({ length: 1023 }, (_, i) => echoPong(`${i}`)), { opcode: Op.Binary, payload: binaryOf(MiB) }] },
    timeoutMs: SLOW,
  },
];

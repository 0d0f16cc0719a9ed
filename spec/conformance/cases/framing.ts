// Section 1 (Autobahn 1.1.x text, 1.2.x binary): payload lengths across the three length
// encodings of RFC 6455 §5.2 (7-bit ≤ 125, 16-bit 126–65535, 64-bit above), sent in one write,
// in chunks, and one byte per write; plus non-minimal encodings, which §5.2 forbids senders but
// gives receivers no reason to reject.
import { Op } from '../wire';
import { binaryOf, textOf } from '../wire';
import { send, sendChopped, sendChoppedHead, type Case } from '../fuzz';

function lengthCases(prefix: string, opcode: number): Case[] {
  const name = opcode === Op.Text ? 'text' : 'binary';
  const fill = opcode === Op.Text ? textOf : binaryOf;
  const frame = (length: number, lengthBits?: 7 | 16 | 64) => ({ opcode, payload: fill(length), ...(lengthBits ? { lengthBits } : {}) });
  const echo = (length: number) => ({ frames: [{ opcode, payload: fill(length) }] });
  const cases: Case[] = [];
  // Autobahn 1.x.1–1.x.7: one write each.
  [0, 125, 126, 127, 128, 65535, 65536].forEach((length, i) =>
    cases.push({ id: `${prefix}.${i + 1}`, title: `${name} payload ${length} bytes, one write`, actions: [send(frame(length))], expect: echo(length) }),
  );
  // Autobahn 1.x.8: 65536 bytes written in 997-byte chunks.
  cases.push({ id: `${prefix}.8`, title: `${name} payload 65536 bytes in 997-byte writes`, actions: [sendChopped(997, frame(65536))], expect: echo(65536) });
  // One byte per write: the header straddles every boundary (7-, 16- and 64-bit forms).
  [0, 1, 125, 126, 127, 1000].forEach((length, i) =>
    cases.push({ id: `${prefix}.${9 + i}`, title: `${name} payload ${length} bytes, 1 byte per write`, actions: [sendChopped(1, frame(length))], expect: echo(length) }),
  );
  cases.push({ id: `${prefix}.15`, title: `${name} 65536 bytes, its first 20 bytes 1 byte per write`, actions: [sendChoppedHead(1, 20, frame(65536))], expect: echo(65536) });
  // Every length 0–125 in the 7-bit form, back to back in one write (all echoed in order).
  const all = Array.from({ length: 126 }, (_, n) => n);
  cases.push({ id: `${prefix}.16`, title: `${name} payloads of every length 0–125 in one write`, actions: [send(...all.map((n) => frame(n)))], expect: { frames: all.map((n) => ({ opcode, payload: fill(n) })) } });
  // Non-minimal length encodings (§5.2 binds the sender; a receiver accepts them).
  cases.push({ id: `${prefix}.17`, title: `${name} 5 bytes with a 16-bit length`, actions: [send(frame(5, 16))], expect: echo(5) });
  cases.push({ id: `${prefix}.18`, title: `${name} 5 bytes with a 64-bit length`, actions: [send(frame(5, 64))], expect: echo(5) });
  cases.push({ id: `${prefix}.19`, title: `${name} 300 bytes with a 64-bit length`, actions: [send(frame(300, 64))], expect: echo(300) });
  cases.push({ id: `${prefix}.20`, title: `${name} 65535 bytes with a 64-bit length, first 30 bytes 1 byte per write`, actions: [sendChoppedHead(1, 30, frame(65535, 64))], expect: echo(65535) });
  return cases;
}

export const framingCases: Case[] = [...lengthCases('1.1', Op.Text), ...lengthCases('1.2', Op.Binary)];

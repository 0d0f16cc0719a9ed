// Section 4 (Autobahn 4.1.x non-control 3–7, 4.2.x control 0xB–0xF): a reserved opcode fails the
// connection with 1002 (RFC 6455 §5.2 "If an unknown opcode is received, the receiving endpoint
// MUST _Fail the WebSocket Connection_"), alone or after a valid message in the same chunk.
import { binary, echoText, ping, send, sendChopped, text, wait, type Case } from '../fuzz';

const RESERVED = [
  ['4.1', [3, 4, 5, 6, 7]],
  ['4.2', [0xb, 0xc, 0xd, 0xe, 0xf]],
] as const;

export const opcodeCases: Case[] = RESERVED.flatMap(([prefix, ops]) =>
  ops.flatMap((op): Case[] => {
    const hexOp = `0x${op.toString(16).toUpperCase()}`;
    const base = `${prefix}.${op}`;
    return [
      { id: `${base}.1`, title: `opcode ${hexOp} alone, empty → 1002`, actions: [send({ opcode: op })], expect: { frames: [], fail: 1002 } },
      { id: `${base}.2`, title: `opcode ${hexOp} alone, with payload → 1002`, actions: [send({ opcode: op, payload: 'reserved opcode payload' })], expect: { frames: [], fail: 1002 } },
      {
        id: `${base}.3`,
        title: `text, opcode ${hexOp}, ping in one write → echo, 1002, no pong`,
        actions: [send(text('Hello, world!'), { opcode: op }, ping('after'))],
        expect: { frames: [echoText('Hello, world!')], fail: 1002 },
      },
      {
        id: `${base}.4`,
        title: `text, then opcode ${hexOp} with payload and ping in a later write → echo, 1002, no pong`,
        actions: [send(text('Hello, world!')), wait(1), send({ opcode: op, payload: 'reserved opcode payload' }, ping('after'))],
        expect: { frames: [echoText('Hello, world!')], fail: 1002 },
      },
      {
        id: `${base}.5`,
        title: `binary, opcode ${hexOp}, ping, 1 byte per write → echo, 1002, no pong`,
        actions: [sendChopped(1, binary(Uint8Array.of(9, 8, 7)), { opcode: op, payload: 'x' }, ping('after'))],
        expect: { frames: [{ opcode: 2, payload: Uint8Array.of(9, 8, 7) }], fail: 1002 },
      },
    ];
  }),
);

// Section 3 (Autobahn 3.x): a nonzero RSV bit with no extension negotiated that defines it fails
// the connection with 1002 (RFC 6455 §5.2). A valid message before it, even in the same chunk,
// is still echoed first; nothing after it is answered (no pong).
import { Op } from '../wire';
import { binary, close, closeWith, cont, echoText, ping, send, sendChopped, text, wait, type Case } from '../fuzz';

const RSV = [1, 2, 3, 4, 5, 6, 7];
const KINDS: Array<[string, number, () => ReturnType<typeof text>]> = [
  ['text', Op.Text, () => text('with rsv')],
  ['binary', Op.Binary, () => binary(Uint8Array.of(1, 2, 3))],
  ['ping', Op.Ping, () => ping('with rsv')],
  ['close', Op.Close, () => closeWith(1000)],
];

export const reservedBitsCases: Case[] = [
  { id: '3.1', title: 'text with RSV = 1 → 1002', actions: [send(text('Hello, world!', { rsv: 1 }))], expect: { frames: [], fail: 1002 } },
  {
    id: '3.2',
    title: 'text, then text with RSV = 2, then ping (separate writes) → echo, 1002, no pong',
    actions: [send(text('Hello, world!')), wait(1), send(text('Hello, world!', { rsv: 2 })), send(ping('after'))],
    expect: { frames: [echoText('Hello, world!')], fail: 1002 },
  },
  {
    id: '3.3',
    title: 'text, text with RSV = 3, ping, all in one write → echo, 1002, no pong',
    actions: [send(text('Hello, world!'), text('Hello, world!', { rsv: 3 }), ping('after'))],
    expect: { frames: [echoText('Hello, world!')], fail: 1002 },
  },
  {
    id: '3.4',
    title: 'text, text with RSV = 4, ping, 1 byte per write → echo, 1002, no pong',
    actions: [sendChopped(1, text('Hello, world!'), text('Hello, world!', { rsv: 4 }), ping('after'))],
    expect: { frames: [echoText('Hello, world!')], fail: 1002 },
  },
  { id: '3.5', title: 'binary with RSV = 5 → 1002', actions: [send(binary(Uint8Array.of(0, 1, 2, 3), { rsv: 5 }))], expect: { frames: [], fail: 1002 } },
  { id: '3.6', title: 'ping with RSV = 6 → 1002, no pong', actions: [send(ping('Hello, world!', { rsv: 6 }))], expect: { frames: [], fail: 1002 } },
  { id: '3.7', title: 'close with RSV = 7 → 1002', actions: [send(close(Buffer.from([0x03, 0xe8]), { rsv: 7 }))], expect: { frames: [], fail: 1002 } },
  // Every RSV combination on every frame kind, after a valid message in the same chunk.
  ...RSV.flatMap((rsv) =>
    KINDS.map(([name, , make], k): Case => ({
      id: `3.8.${rsv}.${k + 1}`,
      title: `valid text, then ${name} with RSV = ${rsv}, then ping, in one write → echo, 1002, no pong`,
      actions: [send(text('valid first'), { ...make(), rsv }, ping('after'))],
      expect: { frames: [echoText('valid first')], fail: 1002 },
    })),
  ),
  // RSV on a continuation frame of an open message: the partial message is never delivered.
  ...RSV.map((rsv): Case => ({
    id: `3.9.${rsv}`,
    title: `continuation with RSV = ${rsv} inside a fragmented text → 1002, nothing echoed`,
    actions: [send(text('frag', { fin: false }), cont('ment', { rsv }), ping('after'))],
    expect: { frames: [], fail: 1002 },
  })),
];

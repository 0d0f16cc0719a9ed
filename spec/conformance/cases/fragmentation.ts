// Section 5 (Autobahn 5.1–5.20 and more): RFC 6455 §5.4. Control frames may be injected between
// fragments and are never fragmented themselves; a continuation only continues an open message;
// a new data frame may not start inside one. Any violation fails with 1002.
import { textOf } from '../wire';
import { binary, cont, echoBinary, echoPong, echoText, ping, pong, send, sendChopped, text, wait, type Case } from '../fuzz';

const UTF8_TEXT = 'Hello-µ@ßöäüàá-UTF-8!!';
const bytesOfText = Buffer.from(UTF8_TEXT);
const twice = <T>(xs: T[]): T[] => [...xs, ...xs];

export const fragmentationCases: Case[] = [
  { id: '5.1', title: 'ping in 2 fragments → 1002, no pong', actions: [send(ping('fragment1', { fin: false }), cont('fragment2'))], expect: { frames: [], fail: 1002 } },
  { id: '5.2', title: 'pong in 2 fragments → 1002', actions: [send(pong('fragment1', { fin: false }), cont('fragment2'))], expect: { frames: [], fail: 1002 } },
  { id: '5.3', title: 'text in 2 fragments', actions: [send(text('fragment1', { fin: false }), cont('fragment2'))], expect: { frames: [echoText('fragment1fragment2')] } },
  { id: '5.4', title: 'text in 2 fragments, 1 byte per write', actions: [sendChopped(1, text('fragment1', { fin: false }), cont('fragment2'))], expect: { frames: [echoText('fragment1fragment2')] } },
  { id: '5.5', title: 'text in 2 fragments, one write each', actions: [send(text('fragment1', { fin: false })), send(cont('fragment2'))], expect: { frames: [echoText('fragment1fragment2')] } },
  { id: '5.6', title: 'text in 2 fragments with a ping between', actions: [send(text('fragment1', { fin: false }), ping('pongme!'), cont('fragment2'))], expect: { frames: [echoPong('pongme!'), echoText('fragment1fragment2')] } },
  { id: '5.7', title: 'text in 2 fragments with a ping between, 1 byte per write', actions: [sendChopped(1, text('fragment1', { fin: false }), ping('pongme!'), cont('fragment2'))], expect: { frames: [echoPong('pongme!'), echoText('fragment1fragment2')] } },
  { id: '5.8', title: 'text in 2 fragments with a ping between, one write each, pong awaited', actions: [send(text('fragment1', { fin: false })), send(ping('pongme!')), wait(1), send(cont('fragment2'))], expect: { frames: [echoPong('pongme!'), echoText('fragment1fragment2')] } },
  { id: '5.9', title: 'orphan continuation (FIN) then text → 1002, no echo', actions: [send(cont('non-continuation payload'), text('Hello, world!'))], expect: { frames: [], fail: 1002 } },
  { id: '5.10', title: 'orphan continuation (FIN) then text, 1 byte per write → 1002', actions: [sendChopped(1, cont('non-continuation payload'), text('Hello, world!'))], expect: { frames: [], fail: 1002 } },
  { id: '5.11', title: 'orphan continuation (FIN) then text, separate writes → 1002', actions: [send(cont('non-continuation payload')), send(text('Hello, world!'))], expect: { frames: [], fail: 1002 } },
  { id: '5.12', title: 'orphan continuation (no FIN) then text → 1002', actions: [send(cont('non-continuation payload', { fin: false }), text('Hello, world!'))], expect: { frames: [], fail: 1002 } },
  { id: '5.13', title: 'orphan continuation (no FIN) then text, 1 byte per write → 1002', actions: [sendChopped(1, cont('non-continuation payload', { fin: false }), text('Hello, world!'))], expect: { frames: [], fail: 1002 } },
  { id: '5.14', title: 'orphan continuation (no FIN) then text, separate writes → 1002', actions: [send(cont('non-continuation payload', { fin: false })), send(text('Hello, world!'))], expect: { frames: [], fail: 1002 } },
  {
    id: '5.15',
    title: 'text in 2 fragments, then continuation (no FIN), then text → echo, 1002',
    actions: [send(text('fragment1', { fin: false }), cont('fragment2'), cont('fragment3', { fin: false }), text('fragment4'))],
    expect: { frames: [echoText('fragment1fragment2')], fail: 1002 },
  },
  {
    id: '5.16',
    title: '2 × (continuation no FIN, text no FIN, continuation FIN) → 1002',
    actions: [send(...twice([cont('fragment1', { fin: false }), text('fragment2', { fin: false }), cont('fragment3')]))],
    expect: { frames: [], fail: 1002 },
  },
  {
    id: '5.17',
    title: '2 × (continuation FIN, text no FIN, continuation FIN) → 1002',
    actions: [send(...twice([cont('fragment1'), text('fragment2', { fin: false }), cont('fragment3')]))],
    expect: { frames: [], fail: 1002 },
  },
  { id: '5.18', title: 'text in 2 fragments, both with the text opcode → 1002', actions: [send(text('fragment1', { fin: false }), text('fragment2'))], expect: { frames: [], fail: 1002 } },
  {
    id: '5.19',
    title: 'text in 5 fragments, pings after the 2nd and 4th; pongs come before the message',
    actions: [
      send(text('fragment1', { fin: false }), cont('fragment2', { fin: false }), ping('pongme 1!')),
      wait(1),
      send(cont('fragment3', { fin: false }), cont('fragment4', { fin: false }), ping('pongme 2!')),
      wait(2),
      send(cont('fragment5')),
    ],
    expect: { frames: [echoPong('pongme 1!'), echoPong('pongme 2!'), echoText('fragment1fragment2fragment3fragment4fragment5')] },
  },
  {
    id: '5.20',
    title: 'as 5.19, 1 byte per write',
    actions: [
      sendChopped(1, text('fragment1', { fin: false }), cont('fragment2', { fin: false }), ping('pongme 1!')),
      wait(1),
      sendChopped(1, cont('fragment3', { fin: false }), cont('fragment4', { fin: false }), ping('pongme 2!')),
      wait(2),
      sendChopped(1, cont('fragment5')),
    ],
    expect: { frames: [echoPong('pongme 1!'), echoPong('pongme 2!'), echoText('fragment1fragment2fragment3fragment4fragment5')] },
  },
  {
    id: '5.21',
    title: 'UTF-8 text in 1-byte fragments (one frame per byte)',
    actions: [send(...[...bytesOfText].map((b, i) => (i === 0 ? text(Uint8Array.of(b), { fin: false }) : cont(Uint8Array.of(b), { fin: i === bytesOfText.length - 1 }))))],
    expect: { frames: [echoText(UTF8_TEXT)] },
  },
  {
    id: '5.22',
    title: 'UTF-8 text in 1-byte fragments, each followed by a ping',
    actions: [send(...[...bytesOfText].flatMap((b, i) => [i === 0 ? text(Uint8Array.of(b), { fin: false }) : cont(Uint8Array.of(b), { fin: i === bytesOfText.length - 1 }), ping(`p${i}`)]))],
    expect: { frames: [...[...bytesOfText].slice(0, -1).map((_, i) => echoPong(`p${i}`)), echoText(UTF8_TEXT), echoPong(`p${bytesOfText.length - 1}`)] },
  },
  { id: '5.23', title: 'empty text in 3 empty fragments', actions: [send(text('', { fin: false }), cont('', { fin: false }), cont(''))], expect: { frames: [echoText('')] } },
  { id: '5.24', title: 'text with empty first and last fragments', actions: [send(text('', { fin: false }), cont('middle', { fin: false }), cont(''))], expect: { frames: [echoText('middle')] } },
  { id: '5.25', title: 'empty binary in 2 empty fragments', actions: [send(binary('', { fin: false }), cont(''))], expect: { frames: [echoBinary('')] } },
  {
    id: '5.26',
    title: 'binary in 3 fragments with an unsolicited pong between (ignored)',
    actions: [send(binary(Uint8Array.of(1), { fin: false }), pong('ignored'), cont(Uint8Array.of(2), { fin: false }), cont(Uint8Array.of(3)))],
    expect: { frames: [echoBinary(Uint8Array.of(1, 2, 3))] },
  },
  { id: '5.27', title: 'binary fragment, then a new binary frame (FIN) → 1002', actions: [send(binary(Uint8Array.of(1), { fin: false }), binary(Uint8Array.of(2)))], expect: { frames: [], fail: 1002 } },
  { id: '5.28', title: 'text fragment, then a binary fragment → 1002', actions: [send(text('a', { fin: false }), binary(Uint8Array.of(2), { fin: false }), cont('b'))], expect: { frames: [], fail: 1002 } },
  { id: '5.29', title: 'text fragment, then a new text in a later write → 1002', actions: [send(text('a', { fin: false })), send(text('b'))], expect: { frames: [], fail: 1002 } },
  {
    id: '5.30',
    title: 'two fragmented messages back to back, echoed in order',
    actions: [send(text('one-', { fin: false }), cont('a'), binary(Uint8Array.of(7), { fin: false }), cont(Uint8Array.of(8)))],
    expect: { frames: [echoText('one-a'), echoBinary(Uint8Array.of(7, 8))] },
  },
  {
    id: '5.31',
    title: 'text of 10,000 bytes in 100 fragments of 100 bytes',
    actions: [send(...Array.from({ length: 100 }, (_, i) => (i === 0 ? text(textOf(10_000).subarray(0, 100), { fin: false }) : cont(textOf(10_000).subarray(i * 100, i * 100 + 100), { fin: i === 99 }))))],
    expect: { frames: [echoText(textOf(10_000))] },
  },
];

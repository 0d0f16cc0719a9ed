// Section 7 (Autobahn 7.x): the closing handshake (RFC 6455 §5.5.1, §7.1, §7.4). The testee
// answers the fuzzer's close once, echoing a valid code (an empty close gets an empty reply and
// the application sees 1005), ignores everything after it (no echo, no pong), and fails with 1002
// for a malformed close or a code that may not appear on the wire, 1007 for a non-UTF-8 reason.
import { closeBody, hex, textOf } from '../wire';
import { close, closeWith, cont, echoText, ping, send, sendChopped, text, wait, type Case } from '../fuzz';

const VALID_CODES = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999];
const INVALID_CODES = [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535];

export const closeCases: Case[] = [
  { id: '7.1.1', title: 'text, then close: echo, then the close reply', actions: [send(text('Hello World!')), wait(1), send(closeWith(1000))], expect: { frames: [echoText('Hello World!')] } },
  { id: '7.1.2', title: 'two closes: one reply', actions: [send(closeWith(1000), closeWith(1000))], expect: { frames: [] } },
  { id: '7.1.3', title: 'close, then ping in the same write: no pong', actions: [send(closeWith(1000), ping('after close'))], expect: { frames: [] } },
  { id: '7.1.4', title: 'close, then text in the same write: no echo', actions: [send(closeWith(1000), text('after close'))], expect: { frames: [] } },
  { id: '7.1.5', title: 'text fragment, close, final fragment: the message is dropped', actions: [send(text('fragment1', { fin: false }), closeWith(1000), cont('fragment2'))], expect: { frames: [] } },
  { id: '7.1.6', title: '256 KiB text, close, ping in one write: echo, reply, no pong', actions: [send(text(textOf(262_144)), closeWith(1000), ping('after close'))], expect: { frames: [echoText(textOf(262_144))] } },
  { id: '7.1.7', title: 'close, then ping and text 1 byte per write: nothing answered', actions: [sendChopped(1, closeWith(1000), ping('x'), text('y'))], expect: { frames: [] } },
  { id: '7.3.1', title: 'close with an empty payload: empty reply, the application sees 1005', actions: [send(close())], expect: { frames: [], echo: 'empty', appCode: 1005 } },
  { id: '7.3.2', title: 'close with a 1-byte payload → 1002', actions: [send(close(Uint8Array.of(0x03)))], expect: { frames: [], fail: 1002 } },
  { id: '7.3.3', title: 'close with a code only', actions: [send(closeWith(1000))], expect: { frames: [] } },
  { id: '7.3.4', title: 'close with a code and a reason', actions: [send(closeWith(1000, 'Hello World!'))], expect: { frames: [] } },
  { id: '7.3.5', title: 'close with a 123-byte reason (125-byte payload)', actions: [send(closeWith(1000, textOf(123)))], expect: { frames: [] } },
  { id: '7.3.6', title: 'close with a 124-byte reason (126-byte payload) → 1002', actions: [send(closeWith(1000, textOf(124)))], expect: { frames: [], fail: 1002 } },
  { id: '7.3.7', title: 'close with a code only, 1 byte per write', actions: [sendChopped(1, closeWith(1000))], expect: { frames: [] } },
  { id: '7.5.1', title: 'close reason that is not UTF-8 → 1007', actions: [send(closeWith(1000, hex('cebae1bdb9cf83cebcceb5eda080656469746564')))], expect: { frames: [], fail: 1007 } },
  { id: '7.5.2', title: 'close reason truncated inside a code point → 1007', actions: [send(closeWith(1000, hex('41e282')))], expect: { frames: [], fail: 1007 } },
  { id: '7.5.3', title: 'close reason with U+10FFFF and U+FFFE is valid', actions: [send(closeWith(1000, hex('f48fbfbfefbfbe')))], expect: { frames: [] } },
  ...VALID_CODES.map((code, i): Case => ({
    id: `7.7.${i + 1}`,
    title: `close with valid code ${code}: echoed`,
    actions: [send(closeWith(code, 'reason'))],
    expect: { frames: [], echo: code },
  })),
  ...INVALID_CODES.map((code, i): Case => ({
    id: `7.9.${i + 1}`,
    title: `close with invalid code ${code} → 1002`,
    actions: [send(close(closeBody(code)))],
    expect: { frames: [], fail: 1002 },
  })),
  { id: '7.10.1', title: 'fragmented close → 1002', actions: [send(close(closeBody(1000), { fin: false }), cont(''))], expect: { frames: [], fail: 1002 } },
];

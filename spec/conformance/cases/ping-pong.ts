// Section 2 (Autobahn 2.x): pings are answered with a pong carrying the same payload (RFC 6455
// §5.5.2/§5.5.3), control payloads are at most 125 bytes (§5.5), unsolicited pongs are ignored.
import { binaryOf, textOf } from '../wire';
import { binary, cont, echoBinary, echoPong, echoText, ping, pong, send, sendChopped, text, wait, type Case } from '../fuzz';

const BINARY_PING = Uint8Array.of(0x00, 0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0x00, 0xff);
const TEN = Array.from({ length: 10 }, (_, i) => `payload-${i}`);

export const pingPongCases: Case[] = [
  { id: '2.1', title: 'ping without payload', actions: [send(ping())], expect: { frames: [echoPong()] } },
  { id: '2.2', title: 'ping with a small text payload', actions: [send(ping('Hello, world!'))], expect: { frames: [echoPong('Hello, world!')] } },
  { id: '2.3', title: 'ping with a small binary payload', actions: [send(ping(BINARY_PING))], expect: { frames: [echoPong(BINARY_PING)] } },
  { id: '2.4', title: 'ping with a 125-byte binary payload', actions: [send(ping(binaryOf(125)))], expect: { frames: [echoPong(binaryOf(125))] } },
  { id: '2.5', title: 'ping with a 126-byte payload → 1002, no pong', actions: [send(ping(binaryOf(126)))], expect: { frames: [], fail: 1002 } },
  { id: '2.6', title: 'ping with a 125-byte payload, 1 byte per write', actions: [sendChopped(1, ping(binaryOf(125)))], expect: { frames: [echoPong(binaryOf(125))] } },
  { id: '2.7', title: 'unsolicited pong without payload is ignored', actions: [send(pong())], expect: { frames: [] } },
  { id: '2.8', title: 'unsolicited pong with payload is ignored', actions: [send(pong('unsolicited pong payload'))], expect: { frames: [] } },
  { id: '2.9', title: 'unsolicited pong, then ping: only the ping is answered', actions: [send(pong('unsolicited pong payload'), ping('ping payload'))], expect: { frames: [echoPong('ping payload')] } },
  { id: '2.10', title: '10 pings in one write, answered in order', actions: [send(...TEN.map((p) => ping(p)))], expect: { frames: TEN.map((p) => echoPong(p)) } },
  { id: '2.11', title: '10 pings, 1 byte per write, answered in order', actions: [sendChopped(1, ...TEN.map((p) => ping(p)))], expect: { frames: TEN.map((p) => echoPong(p)) } },
  {
    id: '2.12',
    title: 'ping inside a fragmented text message is answered before the message completes',
    actions: [send(text('fragment1', { fin: false }), ping('in flight')), wait(1), send(cont('fragment2'))],
    expect: { frames: [echoPong('in flight'), echoText('fragment1fragment2')] },
  },
  {
    id: '2.13',
    title: 'ping inside a fragmented binary message is answered before the message completes',
    actions: [send(binary(binaryOf(300).subarray(0, 100), { fin: false }), ping(BINARY_PING)), wait(1), send(cont(binaryOf(300).subarray(100)))],
    expect: { frames: [echoPong(BINARY_PING), echoBinary(binaryOf(300))] },
  },
  { id: '2.14', title: 'ping whose payload holds every byte value 0–124', actions: [send(ping(Uint8Array.from({ length: 125 }, (_, i) => i)))], expect: { frames: [echoPong(Uint8Array.from({ length: 125 }, (_, i) => i))] } },
  { id: '2.15', title: 'ping with a 126-byte payload in the 64-bit length form → 1002', actions: [send(ping(binaryOf(126), { lengthBits: 64 }))], expect: { frames: [], fail: 1002 } },
  {
    id: '2.16',
    title: 'ping declaring 65535 bytes → 1002 from the header alone (no payload sent)',
    actions: [send(ping('', { declaredLength: 65535, lengthBits: 16 }))],
    expect: { frames: [], fail: 1002 },
  },
  { id: '2.17', title: 'ping with 125-byte payload in the 16-bit length form (non-minimal) is answered', actions: [send(ping(textOf(125), { lengthBits: 16 }))], expect: { frames: [echoPong(textOf(125))] } },
  {
    id: '2.18',
    title: 'text, ping, binary in one write: echo, pong, echo in order',
    actions: [send(text('first'), ping('middle'), binary(BINARY_PING))],
    expect: { frames: [echoText('first'), echoPong('middle'), echoBinary(BINARY_PING)] },
  },
];

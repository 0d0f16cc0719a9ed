import { createMaskSource, fixedMaskSource } from '../../src/protocol/mask';
import { Opcode } from '../../src/protocol/opcode';
import { ProtocolConnection } from '../../src/protocol/protocol-connection';
import type { CloseInfo, MaskSource, ProtocolEvents, ProtocolState, Role, TextCodec } from '../../src/protocol/protocol-types';
import { defaultTextCodec } from '../../src/protocol/text-codec';
import { nodeTextCodec } from '../../src/transport/node-text-codec';
import { SocketTransport } from '../../src/transport/socket-transport';
import { recorder } from './helpers';

/** Type-level checks, compiled by `tsc --noEmit -p .`. */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const typeChecks: [Equal<Role, 'server' | 'client'>, Equal<ProtocolState, 'open' | 'closing' | 'closed'>, Equal<ProtocolConnection['state'], ProtocolState>] = [true, true, true];
// The implementations the core is given satisfy its interfaces.
const codecs: TextCodec[] = [defaultTextCodec, nodeTextCodec];
const maskSources: MaskSource[] = [createMaskSource(), fixedMaskSource([1, 2, 3, 4])];
const eventsImplemented: SocketTransport extends ProtocolEvents ? true : never = true;

describe('src/protocol/protocol-types.ts', () => {
  it('the type-level checks hold', () => {
    expect(typeChecks).toEqual([true, true, true]);
    expect(eventsImplemented).toBe(true);
  });

  it.each(codecs.map((codec, i) => [i === 0 ? 'defaultTextCodec' : 'nodeTextCodec', codec] as const))(
    'TextCodec %s: byteLength is the UTF-8 length, encodeInto writes at offset and returns it, decode round-trips',
    (_name, codec) => {
      for (const text of ['', 'ascii', 'é', '€uro', '😀 emoji', 'a\u0000b']) {
        const length = Buffer.byteLength(text, 'utf8');
        expect(codec.byteLength(text)).toBe(length);
        const target = new Uint8Array(length + 5).fill(0xee);
        expect(codec.encodeInto(text, target, 3)).toBe(length);
        expect(Buffer.from(target.subarray(3, 3 + length)).toString('utf8')).toBe(text);
        expect([target[2], target[3 + length]]).toEqual([0xee, 0xee]);
        expect(codec.decode(target.subarray(3, 3 + length))).toBe(text);
      }
    },
  );

  it('MaskSource writes exactly 4 key bytes at offset, and the random source varies (RFC 6455 §5.3)', () => {
    for (const source of maskSources) {
      const target = new Uint8Array(10).fill(0xaa);
      source(target, 3);
      expect(Array.from(target.subarray(0, 3))).toEqual([0xaa, 0xaa, 0xaa]);
      expect(Array.from(target.subarray(7))).toEqual([0xaa, 0xaa, 0xaa]);
    }
    const fixed = new Uint8Array(4);
    maskSources[1]!(fixed, 0);
    expect(Array.from(fixed)).toEqual([1, 2, 3, 4]);
    const random = createMaskSource();
    const keys = new Set<string>();
    for (let i = 0; i < 16; i++) {
      const key = new Uint8Array(4);
      random(key, 0);
      keys.add(Buffer.from(key).toString('hex'));
    }
    expect(keys.size).toBeGreaterThan(1);
  });

  it('CloseInfo as documented: 1005 for a close frame without a code, clean after the handshake; onClosed once, after transportClosed', () => {
    const rec = recorder();
    const closes: CloseInfo[] = [];
    rec.hooks.onClosed = ((info: CloseInfo) => closes.push(info)) as never;
    const core = new ProtocolConnection({ role: 'client', maxMessageBytes: 1000, maxFragments: 10 }, rec.events);
    core.receive(new Uint8Array([0x80 | Opcode.Close, 0]));
    expect(rec.log).toContain('closeFrame 1005 ""');
    expect(closes).toEqual([]);
    core.transportClosed();
    core.transportClosed();
    expect(closes).toEqual([{ code: 1005, reason: '', wasClean: true }]);
    expect(rec.log[rec.log.length - 1]).toMatch(/^closed /);
  });

  it('CloseInfo for a dropped transport: 1006, not clean', () => {
    const rec = recorder();
    const core = new ProtocolConnection({ role: 'server', maxMessageBytes: 1000, maxFragments: 10 }, rec.events);
    core.transportClosed();
    expect(rec.log).toEqual(['closed 1006 "" false']);
    expect(core.state).toBe('closed');
  });
});

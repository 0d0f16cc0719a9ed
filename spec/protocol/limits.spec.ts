import { DEFAULT_PROTOCOL_LIMITS, type ProtocolLimits } from '../../src/protocol/limits';
import { Opcode } from '../../src/protocol/opcode';
import { ProtocolConnection } from '../../src/protocol/protocol-connection';
import { recorder } from './helpers';

/** A client-side core (frames from the server arrive unmasked) with the default limits. */
function defaultCore() {
  const rec = recorder();
  const core = new ProtocolConnection({ role: 'client', ...DEFAULT_PROTOCOL_LIMITS }, rec.events);
  return { core, rec };
}

/** One empty text message split into `count` unmasked frames: 2 bytes each. */
function fragmentedMessage(count: number): Uint8Array {
  const bytes = new Uint8Array(count * 2);
  bytes[0] = Opcode.Text;
  for (let i = 1; i < count; i++) bytes[i * 2] = Opcode.Continuation;
  bytes[(count - 1) * 2] |= 0x80;
  return bytes;
}

describe('src/protocol/limits.ts', () => {
  it('the defaults have their documented values: 32 MiB per message, 131,072 fragments', () => {
    expect(DEFAULT_PROTOCOL_LIMITS).toEqual({ maxMessageBytes: 32 * 1024 * 1024, maxFragments: 131_072 });
  });

  it('the defaults cover a strict conformance run (16 MiB messages, 65,537 fragments)', () => {
    expect(DEFAULT_PROTOCOL_LIMITS.maxMessageBytes).toBeGreaterThanOrEqual(16 * 1024 * 1024);
    expect(DEFAULT_PROTOCOL_LIMITS.maxFragments).toBeGreaterThanOrEqual(65_537);
  });

  it('the defaults are frozen: no caller can loosen them for everyone', () => {
    expect(Object.isFrozen(DEFAULT_PROTOCOL_LIMITS)).toBe(true);
    expect(() => {
      (DEFAULT_PROTOCOL_LIMITS as ProtocolLimits).maxMessageBytes = 1;
    }).toThrow(TypeError);
    expect(DEFAULT_PROTOCOL_LIMITS.maxMessageBytes).toBe(32 * 1024 * 1024);
  });

  it('at the defaults, a message of exactly maxFragments frames is accepted', () => {
    const { core, rec } = defaultCore();
    core.receive(fragmentedMessage(DEFAULT_PROTOCOL_LIMITS.maxFragments));
    expect(rec.log).toEqual(['text ""']);
  });

  it('at the defaults, one frame more than maxFragments fails the connection with 1008', () => {
    const { core, rec } = defaultCore();
    core.receive(fragmentedMessage(DEFAULT_PROTOCOL_LIMITS.maxFragments + 1));
    expect(rec.log.filter((l) => l.startsWith('protocolError'))).toEqual([expect.stringMatching(/^protocolError 1008 /)]);
    expect(rec.log).not.toContain('text ""');
  });

  it('at the defaults, a frame header declaring maxMessageBytes + 1 fails with 1009 before any payload', () => {
    const { core, rec } = defaultCore();
    const header = new Uint8Array(10);
    header[0] = 0x80 | Opcode.Binary;
    header[1] = 127;
    new DataView(header.buffer).setBigUint64(2, BigInt(DEFAULT_PROTOCOL_LIMITS.maxMessageBytes + 1));
    core.receive(header);
    expect(rec.log.filter((l) => l.startsWith('protocolError'))).toEqual([expect.stringMatching(/^protocolError 1009 /)]);
  });
});

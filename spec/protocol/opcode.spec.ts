import { isControlOpcode, isKnownOpcode, Opcode } from '../../src/protocol/opcode';

describe('opcodes', () => {
  it('§5.2 known opcodes are 0-2 and 8-10; 3-7 and 0xB-0xF are reserved', () => {
    const known = Array.from({ length: 16 }, (_, i) => i).filter(isKnownOpcode);
    expect(known).toEqual([0, 1, 2, 8, 9, 10]);
  });

  it('§5.5 control opcodes have the high bit set', () => {
    expect([Opcode.Close, Opcode.Ping, Opcode.Pong, 0xf].every(isControlOpcode)).toBe(true);
    expect([Opcode.Continuation, Opcode.Text, Opcode.Binary, 7].some(isControlOpcode)).toBe(false);
  });
});

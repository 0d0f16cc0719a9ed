import * as protocol from '../../src/protocol';

describe('protocol index', () => {
  it('re-exports the public parts of the core', () => {
    for (const name of [
      'ProtocolConnection', 'CloseCode', 'Opcode', 'encodeFrame', 'frameHeaderSize', 'writeFrameHeader',
      'FrameParser', 'applyMask', 'createMaskSource', 'fixedMaskSource', 'Utf8Validator', 'isValidUtf8',
      'MessageAssembler', 'parseClosePayload', 'encodeClosePayload', 'defaultTextCodec', 'DEFAULT_PROTOCOL_LIMITS',
      'isValidWireCloseCode', 'isControlOpcode', 'isKnownOpcode',
    ]) {
      expect(protocol).toHaveProperty(name);
    }
  });
});

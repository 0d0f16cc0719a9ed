/** The public surface of the sans-I/O protocol core (RFC 6455 framing and state machine). */
export { CloseCode, isValidWireCloseCode } from './close-code';
export {
  checkCloseToSend,
  encodeClosePayload,
  MAX_CLOSE_REASON_BYTES,
  parseClosePayload,
  writeClosePayload,
  type ParsedClose,
} from './close-payload';
export { FRAME_CONTINUE, FRAME_PAUSE, FrameParser, type FrameHandler } from './frame-parser';
export {
  encodeFrame,
  frameHeaderSize,
  writeFrameHeader,
  writeMaskedFrameHeader,
  type EncodeFrameOptions,
} from './frame-serializer';
export { DEFAULT_PROTOCOL_LIMITS, type ProtocolLimits } from './limits';
export { applyMask, createMaskSource, fixedMaskSource } from './mask';
export { MessageAssembler } from './message-assembler';
export { isControlOpcode, isKnownOpcode, Opcode } from './opcode';
export { LARGE_PAYLOAD_BYTES, ProtocolConnection } from './protocol-connection';
export type {
  CloseInfo,
  FrameArena,
  MaskSource,
  ProtocolEvents,
  ProtocolOptions,
  ProtocolState,
  Role,
  TextCodec,
} from './protocol-types';
export { defaultTextCodec, utf8ByteLength } from './text-codec';
export { isValidUtf8, Utf8Validator } from './utf8-validator';

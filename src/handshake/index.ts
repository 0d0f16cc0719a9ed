export { WEBSOCKET_GUID, acceptKeyInput, isValidClientKey } from './accept-key';
export {
  buildUpgradeRequest,
  validateUpgradeResponse,
  type UpgradeResponseValidation,
} from './client-handshake';
export {
  formatExtensions,
  parseExtensions,
  type ExtensionOffer,
  type ParsedExtensionOffer,
} from './extensions';
export { headerHasToken, isToken, parseTokenList } from './header-tokens';
export { isSafeHeaderValue, type ExtraHeaders } from './header-writer';
export {
  DEFAULT_HTTP_HEAD_LIMITS,
  HttpHeadParser,
  type HeadParseResult,
  type HttpHeadLimits,
  type HttpRequestHead,
  type HttpResponseHead,
} from './http-head-parser';
export {
  buildAcceptResponse,
  buildRejectResponse,
  validateUpgradeRequest,
  type UpgradeRequestInfo,
  type UpgradeValidation,
} from './server-handshake';
export { statusText } from './status-text';
export { parseSubprotocols } from './subprotocol';

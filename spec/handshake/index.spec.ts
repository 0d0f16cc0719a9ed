import * as handshake from '../../src/handshake';

describe('src/handshake/index.ts', () => {
  it('DESIGN §1: re-exports the whole handshake core the transport builds on', () => {
    for (const name of [
      'WEBSOCKET_GUID',
      'acceptKeyInput',
      'isValidClientKey',
      'buildUpgradeRequest',
      'validateUpgradeResponse',
      'formatExtensions',
      'parseExtensions',
      'headerHasToken',
      'isToken',
      'parseTokenList',
      'isSafeHeaderValue',
      'DEFAULT_HTTP_HEAD_LIMITS',
      'HttpHeadParser',
      'buildAcceptResponse',
      'buildRejectResponse',
      'validateUpgradeRequest',
      'statusText',
      'parseSubprotocols',
    ]) {
      expect([name, typeof (handshake as Record<string, unknown>)[name]]).not.toEqual([name, 'undefined']);
    }
  });
});

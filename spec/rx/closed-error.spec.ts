import { ConnectionClosedError } from '../../src/errors';
import { closedError } from '../../src/rx/closed-error';

describe('src/rx/closed-error.ts closedError', () => {
  it('carries the close code, reason and wasClean of the close event', () => {
    const error = closedError({ type: 'close', code: 4001, reason: 'kicked', wasClean: true });
    expect(error).toBeInstanceOf(ConnectionClosedError);
    expect(error.code).toBe('connection_closed');
    expect([error.closeCode, error.reason, error.wasClean]).toEqual([4001, 'kicked', true]);
  });

  it('names the code in the message, after what was waiting', () => {
    expect(closedError({ type: 'close', code: 1001, reason: '', wasClean: true }).message).toBe('the connection closed (1001)');
    expect(closedError({ type: 'close', code: 1006, reason: '', wasClean: false }, 'ping aborted').message).toBe('ping aborted (1006)');
  });

  it('before the close is known: 1006, no reason, not clean, and the message without a code', () => {
    const error = closedError(undefined, 'stream aborted');
    expect([error.closeCode, error.reason, error.wasClean, error.message]).toEqual([1006, '', false, 'stream aborted']);
    expect(closedError(undefined).message).toBe('the connection closed');
  });

  it('does not echo the reason into the message (it is the peer\'s text)', () => {
    const error = closedError({ type: 'close', code: 1000, reason: '<script>', wasClean: true });
    expect(error.message).not.toContain('<script>');
  });
});

import { ConnectionClosedError } from '../../src/errors';
import { closedError } from '../../src/rx/closed-error';

describe('closedError', () => {
  it('carries the close message’s code, reason and wasClean', () => {
    const error = closedError({ type: 'close', code: 4001, reason: 'bye', wasClean: true }, 'ping failed');
    expect(error).toBeInstanceOf(ConnectionClosedError);
    expect(error).toMatchObject({ code: 'connection_closed', closeCode: 4001, reason: 'bye', wasClean: true, message: 'ping failed (4001)' });
  });

  it('is a 1006 when the close is not known yet', () => {
    expect(closedError(undefined)).toMatchObject({ closeCode: 1006, reason: '', wasClean: false, message: 'the connection closed' });
  });
});

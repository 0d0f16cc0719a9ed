import { InvalidOutgoingError, RequestHandlerError, RxwsError, UsageError } from '../../src';
import { describeIssues } from '../../src/typed/typed-errors';

describe('typed errors', () => {
  it('InvalidOutgoingError is a usage error that carries the issues and names their paths', () => {
    const error = new InvalidOutgoingError([{ message: 'expected a number', path: ['items', 0, { key: 'price' }] }]);
    expect(error).toBeInstanceOf(UsageError);
    expect(error.code).toBe('invalid_outgoing');
    expect(error.name).toBe('InvalidOutgoingError');
    expect(error.message).toBe('an outgoing message failed the send schema: items.0.price: expected a number');
    expect(error.issues).toHaveLength(1);
  });

  it('describeIssues shows at most three issues', () => {
    const issues = ['a', 'b', 'c', 'd', 'e'].map((message) => ({ message }));
    expect(describeIssues(issues)).toBe('a; b; c; and 2 more');
    expect(describeIssues([])).toBe('no issue given');
    expect(describeIssues([{ message: 'm', path: [Symbol('s')] }])).toBe('Symbol(s): m');
  });

  it('RequestHandlerError keeps the handler error as its cause, out of its message', () => {
    const cause = new Error('database password is hunter2');
    const error = new RequestHandlerError(cause);
    expect(error).toBeInstanceOf(RxwsError);
    expect(error.code).toBe('request_handler_error');
    expect(error.cause).toBe(cause);
    expect(error.message).not.toContain('hunter2');
  });
});

import { RxwsError, UsageError } from '../errors';
import type { StandardSchemaV1Issue } from './standard-schema';

/**
 * An outgoing message failed the typed connection's `send` schema and was not sent. This is a bug
 * on our side of the protocol, so it is a usage error: `send`, `request` reject with it, and
 * `sink.next` and `reply` report it on the typed connection's `errors$`.
 */
export class InvalidOutgoingError extends UsageError {
  /** @internal The name as text, which minifiers keep (they rename classes). */
  static override readonly errorName: string = 'InvalidOutgoingError';
  /** Made by the typed connection's send side; exported for `instanceof`.
   *  @param issues - what the schema found wrong */
  constructor(
    /** What the schema found wrong, as the schema library reported it. */
    readonly issues: ReadonlyArray<StandardSchemaV1Issue>,
  ) {
    super('invalid_outgoing', `an outgoing message failed the send schema: ${describeIssues(issues)}`);
  }
}

/**
 * A `serveRequests` handler threw or rejected, and no `errorResponse` was given to answer it
 * with: the connection was closed with 1011 and this is reported on the typed connection's
 * `errors$` (the handler's error is the `cause`).
 */
export class RequestHandlerError extends RxwsError {
  /** @internal The name as text, which minifiers keep (they rename classes). */
  static override readonly errorName: string = 'RequestHandlerError';
  /** Made by `serveRequests`; exported for `instanceof`.
   *  @param cause - what the handler threw or rejected with */
  constructor(
    /** What the handler threw or rejected with. */
    override readonly cause: unknown,
  ) {
    super('request_handler_error', 'a request handler failed; the connection was closed with 1011');
  }
}

/** The first issues, as `path: message`, for an error message a developer can act on. */
export function describeIssues(issues: ReadonlyArray<StandardSchemaV1Issue>): string {
  if (issues.length === 0) return 'no issue given';
  const shown = issues.slice(0, 3).map((issue) => {
    const path = (issue.path ?? []).map((segment) => String(typeof segment === 'object' && segment !== null ? segment.key : segment)).join('.');
    return path === '' ? issue.message : `${path}: ${issue.message}`;
  });
  return issues.length > 3 ? `${shown.join('; ')}; and ${issues.length - 3} more` : shown.join('; ');
}

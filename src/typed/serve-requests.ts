import { Observable, type OperatorFunction } from 'rxjs';
import { UsageError } from '../errors';
import { aFunction, integer, type OptionRules, validateOptions } from '../rx/validate-options';
import { closeWith } from './close-with';
import { isThenable } from './in-order';
import { holdInput, releaseInput } from './input-hold';
import { RequestHandlerError } from './typed-errors';
import type { TypedConnection } from './typed-connection';

/** Options of `serveRequests`. `OnError` is the view's `errorResponse` type (see
 *  `TypedConnectionTypes`): `(error, request) => response`. */
export interface ServeRequestsOptions<OnError = (error: unknown, request: never) => unknown> {
  /** How many requests are handled at once. Default 1: one at a time, answered in order. With
   *  more, responses go out as handlers finish. */
  concurrency?: number;
  /**
   * Turns a handler's failure into a response for the peer (sent with the request's id). Without
   * it, a handler that throws or rejects closes the connection with 1011 and a
   * `RequestHandlerError` is reported on the typed connection's `errors$`. If it throws too, the
   * same happens.
   */
  errorResponse?: OnError;
}

/** Requests waiting for a free handler at which the connection is paused, and resumed. */
const HOLD_AT_QUEUED = 64;
const RELEASE_AT_QUEUED = 16;

/**
 * An operator for `view.messages$` that serves requests: each message whose request id field is
 * set goes to `handle`, and what it returns (or resolves with) is sent back with `view.reply`, at
 * most `concurrency` at a time. Requests that wait for a free handler are queued; past 64 the
 * connection stops reading (TCP backpressure) until the queue is down to 16. Every other message
 * (pushed events, without an id) passes through, so the rest of the pipe can handle them.
 *
 * ```ts
 * view.messages$.pipe(serveRequests(view, (req) => ({ type: 'result', value: store.get(req.key) }), { concurrency: 8 }))
 *   .subscribe((event) => ...);
 * ```
 *
 * Unsubscribing stops serving: responses still being computed are not sent.
 */
export function serveRequests<In, Handler, OnError, TEvent>(
  // The handler's type is taken whole from the view, so it is fixed before the handler is
  // checked, and a response written as a literal keeps its literal types ({ type: 'sum' }).
  view: TypedConnection<any, any, string, any> & { readonly '~types'?: { in: In; handler: Handler; errorResponse: OnError; event: TEvent } },
  handle: Handler,
  options?: ServeRequestsOptions<OnError>,
): OperatorFunction<In, TEvent> {
  if (typeof handle !== 'function') throw new UsageError('bad_option', 'serveRequests needs a handler function');
  const settings = validateOptions<Settings>('serveRequests', options as Partial<Settings> | undefined, { concurrency: 1, errorResponse: undefined }, RULES);
  const { concurrency, errorResponse } = settings;
  const handler = handle as unknown as (request: unknown) => unknown;
  const field = view.requestIdField;

  return (source) =>
    new Observable<TEvent>((subscriber) => {
      const queue: unknown[] = [];
      let active = 0;
      let pumping = false;
      let held = false;
      let sourceDone = false;

      const hold = (): void => {
        if (held || queue.length < HOLD_AT_QUEUED) return;
        held = true;
        holdInput(view.connection);
      };
      const release = (): void => {
        if (!held) return;
        held = false;
        releaseInput(view.connection);
      };

      const answered = (request: unknown, response: unknown): void => {
        active--;
        if (!subscriber.closed) view.reply(request as never, response as never);
        pump();
      };
      const failed = (request: unknown, error: unknown): void => {
        active--;
        if (!subscriber.closed) {
          let response: unknown | undefined;
          let fatal: unknown = error;
          if (errorResponse !== undefined) {
            try {
              response = errorResponse(error, request);
              fatal = undefined;
            } catch (callbackError) {
              fatal = callbackError;
            }
          }
          if (fatal === undefined) view.reply(request as never, response as never);
          else fail(fatal);
        }
        pump();
      };
      const fail = (error: unknown): void => {
        // As with a route handler that throws: the connection ends with 1011 and a generic
        // reason (the error's text is ours, not the peer's business); we learn why on errors$.
        view.reportError(new RequestHandlerError(error));
        closeWith(view.connection, 1011, 'internal error');
      };
      const run = (request: unknown): void => {
        active++;
        let result: unknown | PromiseLike<unknown>;
        try {
          result = handler(request);
        } catch (error) {
          failed(request, error);
          return;
        }
        if (isThenable(result)) {
          result.then(
            (response) => answered(request, response),
            (error: unknown) => failed(request, error),
          );
        } else {
          answered(request, result);
        }
      };
      // A loop, not recursion: synchronous handlers answering in turn do not deepen the stack.
      const pump = (): void => {
        if (pumping) return;
        pumping = true;
        while (active < concurrency && queue.length > 0 && !subscriber.closed) {
          const request = queue.shift()!;
          if (queue.length <= RELEASE_AT_QUEUED) release();
          run(request);
        }
        pumping = false;
        if (sourceDone && active === 0 && queue.length === 0) subscriber.complete();
      };

      const upstream = source.subscribe({
        next: (message) => {
          const id = typeof message === 'object' && message !== null ? (message as Record<string, unknown>)[field] : undefined;
          if (id === undefined) {
            subscriber.next(message as unknown as TEvent);
            return;
          }
          queue.push(message as unknown);
          hold();
          pump();
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => {
          sourceDone = true;
          pump();
        },
      });
      return () => {
        upstream.unsubscribe();
        queue.length = 0;
        release();
      };
    });
}

interface Settings {
  concurrency: number;
  errorResponse: ((error: unknown, request: unknown) => unknown) | undefined;
}

const RULES: OptionRules<Settings> = {
  concurrency: integer(1, 1_000_000),
  errorResponse: aFunction,
};

import type { Observable } from 'rxjs';
import type { Connection } from '../rx/connection';
import type { ClientOptions } from './client-options';
import { connect } from './connect';
import type { ConnectTarget } from './connect-target';
import { ReconnectingClientBase, type ReconnectingClientSettings } from './reconnecting-client';

/** The options of a ReconnectingClient: the `connect()` options (with a target) and its own settings. */
export type ReconnectingClientOptions = Partial<ClientOptions> & Partial<ReconnectingClientSettings>;

/**
 * A connection that keeps itself connected, on Node: `connect()` piped through `reconnect`, with
 * a state (`state$`), one message stream across connections (`messages$`), a bounded send queue
 * while disconnected, and `close()`. See `ReconnectingClientBase` for the details of each member.
 */
export class ReconnectingClient extends ReconnectingClientBase<Connection<any>, ConnectTarget, ClientOptions> {
  /**
   * Starts connecting at once, and keeps reconnecting until `close()` or an outcome that is not
   * retried. Bad options throw a UsageError at once.
   * @param target where to connect (with `connect()` and the client options in `options`), or
   *   any Observable of connections that completes when its connection closes (then `options`
   *   may hold only the settings of this class).
   * @param options the `connect()` options and the settings of this class; checked at once
   *   (a UsageError for an unknown key or a bad value).
   */
  constructor(target: ConnectTarget | Observable<Connection<any>>, options: ReconnectingClientOptions = {}) {
    super(target, options, connect);
  }
}

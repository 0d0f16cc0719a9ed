/**
 * Loosely typed access to the rxws public API, which is being written in parallel: `src/index.ts`
 * does not export it yet, so a static import would not compile. The shapes below follow
 * /work/shared/DESIGN.md; once the API lands, import from '../../src' directly and delete this file.
 * Until then the getters throw a clear error, and the runner skips rxws with that reason.
 */
import type { Observable, Observer } from 'rxjs';

export type RxMessage =
  | { type: 'text'; data: string }
  | { type: 'binary'; data: Uint8Array }
  | { type: 'pong'; data: Uint8Array }
  | { type: 'close'; code: number; reason: string; wasClean: boolean };

export interface RxConnection {
  readonly messages$: Observable<RxMessage>;
  readonly sink: Observer<string | Uint8Array>;
  close(code?: number, reason?: string): Promise<unknown>;
}

export interface RxRoute {
  readonly connections$: Observable<RxConnection>;
  broadcast(data: string | Uint8Array): void;
}

export interface RxServer {
  route(options: { path?: string; host?: string; defaultHost?: boolean; defaultPath?: boolean }): RxRoute;
  listen(): Promise<{ port: number }>;
  close(): Promise<unknown>;
}

export interface RxServerOptions {
  port: number;
  host: string;
}

// RXWS_BENCH_MODULE (an absolute path) lets the harness be checked against a stand-in, or a build.
const modulePath = process.env['RXWS_BENCH_MODULE'] || '../../src';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const rxws = require(modulePath) as Record<string, unknown>;

function exported<T>(name: string): T {
  const value = rxws[name];
  if (typeof value !== 'function') throw new Error(`rxws: src/index.ts does not export ${name} yet`);
  return value as T;
}

export function rxwsServer(options: RxServerOptions): RxServer {
  const Ctor = exported<new (options: RxServerOptions) => RxServer>('WebSocketServer');
  return new Ctor(options);
}

export function rxwsConnect(url: string): Observable<RxConnection> {
  return exported<(url: string) => Observable<RxConnection>>('connect')(url);
}

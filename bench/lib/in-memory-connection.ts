// A server-side Connection on an in-memory socket, for the in-process benches (echo, topics,
// typed echo): what rxws's own JavaScript costs, without the kernel. The code measured is the
// compiled build in dist/ (as users run it), so `npm run build` first.
import { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import type * as ConnectionModule from '../../src/rx/connection';
import type * as OptionsModule from '../../src/rx/connection-options';

// RXWS_BENCH_DIST (an absolute path to another build's cjs folder) measures that build instead,
// to compare two builds on the same machine minutes apart (see bench/servers/rxws-build.ts).
const DIST = process.env['RXWS_BENCH_DIST'] || '../../dist/cjs';

/** What the in-process benches take from a build: the Connection class and its default options. */
export interface ConnectionBuild {
  Connection: typeof ConnectionModule.Connection;
  DEFAULT_CONNECTION_OPTIONS: typeof OptionsModule.DEFAULT_CONNECTION_OPTIONS;
}

/** Loads the Connection of the build whose cjs folder is `cjsRoot` (absolute, or relative to here). */
export function loadConnectionBuild(cjsRoot: string): ConnectionBuild {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { Connection } = require(`${cjsRoot}/rx/connection`) as typeof ConnectionModule;
  const { DEFAULT_CONNECTION_OPTIONS } = require(`${cjsRoot}/rx/connection-options`) as typeof OptionsModule;
  /* eslint-enable @typescript-eslint/no-require-imports */
  return { Connection, DEFAULT_CONNECTION_OPTIONS };
}

let defaultBuild: ConnectionBuild | undefined;

/** Discards what is written, counting it: the socket's place without a kernel. */
export class NullSocket extends Duplex {
  written = 0;
  override _read(): void {}
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.written += chunk.length;
    done();
  }
  override _writev(chunks: Array<{ chunk: Buffer }>, done: () => void): void {
    for (const c of chunks) this.written += c.chunk.length;
    done();
  }
  setNoDelay(): this {
    return this;
  }
}

/** A server-side Connection with the default options on `socket`, as if a GET / was accepted. */
export function inMemoryConnection(socket: NullSocket = new NullSocket(), build: ConnectionBuild = (defaultBuild ??= loadConnectionBuild(DIST))): ConnectionModule.Connection {
  const { Connection, DEFAULT_CONNECTION_OPTIONS } = build;
  return new Connection({
    socket: socket as unknown as Socket,
    role: 'server',
    options: DEFAULT_CONNECTION_OPTIONS,
    request: { method: 'GET', url: '/', path: '/', query: '', params: {}, host: undefined, headers: {}, origin: undefined, protocols: [], remoteAddress: undefined, remotePort: undefined, secure: false },
    response: undefined,
    protocol: undefined,
    data: undefined,
    head: new Uint8Array(0),
  });
}

/** `--name N` from the command line, or the fallback. */
export function numberArg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

import { build } from 'esbuild';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/**
 * The browser entry bundled for a test page, with rxjs in it, as an ES module that puts both on
 * `globalThis.rxws` and `globalThis.rxjs` for scenarios run with `page.evaluate`.
 */
export async function bundleForTestPage(): Promise<string> {
  const result = await build({
    stdin: {
      contents: "import * as rxws from './src/browser'; import * as rxjs from 'rxjs'; globalThis.rxws = rxws; globalThis.rxjs = rxjs;",
      resolveDir: ROOT,
      loader: 'ts',
      sourcefile: 'test-page-entry.ts',
    },
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

export interface TestPageServer {
  /** The page: loads the bundle as a module and sets `document.body.dataset.ready`. */
  readonly url: string;
  close(): Promise<void>;
}

/** Serves a blank page that loads `bundle` (on 127.0.0.1, an ephemeral port). */
export async function serveTestPage(bundle: string): Promise<TestPageServer> {
  const server: Server = createServer((request, response) => {
    if (request.url === '/') {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end('<!doctype html><title>rxws browser tests</title><script type="module" src="/rxws-test.js"></script>');
    } else if (request.url === '/rxws-test.js') {
      response.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' });
      response.end(bundle);
    } else if (request.url === '/favicon.ico') {
      response.writeHead(204).end();
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

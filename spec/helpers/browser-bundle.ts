import { build, type Plugin } from 'esbuild';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { buildBrowserBundle, type BrowserEntry } from '../../scripts/browser-bundle';
import { packageEntries } from '../../scripts/package-entries';

const ROOT = join(__dirname, '..', '..');

/** The package entry with a browser bundle: `@rxws/rxws/browser`. */
export function browserEntry(): BrowserEntry {
  const entry = packageEntries().find((e) => e.subpath === './browser');
  if (entry?.browser === undefined) throw new Error('package.json exports["./browser"] has no "browser" condition');
  return { ...entry, browser: entry.browser };
}

let built: Promise<string> | undefined;

/** The ES module bundle browser bundlers take for `@rxws/rxws/browser` (dist/browser/browser.mjs,
 *  built here in memory as scripts/build.ts writes it; once per test file). */
export function browserEntryBundle(): Promise<string> {
  return (built ??= buildBrowserBundle(browserEntry(), false).then(([bundle]) => bundle!.text));
}

/** Resolves `@rxws/rxws/browser` to `bundle` (its imports of rxjs resolve from the package root). */
export function browserEntryPlugin(bundle: string): Plugin {
  return {
    name: 'rxws-browser-bundle',
    setup(b) {
      b.onResolve({ filter: /^@rxws\/rxws\/browser$/ }, () => ({ path: 'browser.mjs', namespace: 'rxws-browser' }));
      b.onLoad({ filter: /.*/, namespace: 'rxws-browser' }, () => ({ contents: bundle, loader: 'js', resolveDir: ROOT }));
    },
  };
}

/**
 * The browser entry for a test page, as browser bundlers get it (its ES module bundle), bundled
 * with rxjs into an ES module that puts both on `globalThis.rxws` and `globalThis.rxjs` for
 * scenarios run with `page.evaluate`.
 */
export async function bundleForTestPage(): Promise<string> {
  const result = await build({
    stdin: {
      contents: "import * as rxws from '@rxws/rxws/browser'; import * as rxjs from 'rxjs'; globalThis.rxws = rxws; globalThis.rxjs = rxjs;",
      resolveDir: ROOT,
      loader: 'js',
      sourcefile: 'test-page-entry.js',
    },
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
    plugins: [browserEntryPlugin(await browserEntryBundle())],
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

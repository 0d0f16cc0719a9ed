/**
 * The ES modules the chat page imports, bundled with esbuild when the server starts: the rxws
 * browser entry (`@rxws/rxws/browser`, here from the sources) and rxjs, each as one module. The
 * page maps the bare `rxjs` specifier to the second with an import map, as a page without a build
 * step would. Nothing comes from a CDN: the demo works offline.
 */
import { build } from 'esbuild';
import { join } from 'node:path';

/** URL path → JavaScript source. */
export type BrowserModules = ReadonlyMap<string, string>;

/** Where the page finds each module (see the import map in chat-client.html). */
export const RXWS_MODULE_PATH = '/modules/rxws-browser.js';
export const RXJS_MODULE_PATH = '/modules/rxjs.js';

const ROOT = join(__dirname, '..');

export async function bundleBrowserModules(): Promise<BrowserModules> {
  const common = { bundle: true, platform: 'browser', format: 'esm', target: 'es2022', minify: true, write: false, logLevel: 'silent', absWorkingDir: ROOT } as const;
  const [rxws, rxjs] = await Promise.all([
    // rxjs stays a bare import, resolved by the page's import map, so the page and rxws share it.
    build({ ...common, entryPoints: [join(ROOT, 'src/browser.ts')], external: ['rxjs'] }),
    build({ ...common, stdin: { contents: "export * from 'rxjs';", resolveDir: ROOT, sourcefile: 'rxjs-module.js' } }),
  ]);
  return new Map([
    [RXWS_MODULE_PATH, rxws.outputFiles[0]!.text],
    [RXJS_MODULE_PATH, rxjs.outputFiles[0]!.text],
  ]);
}

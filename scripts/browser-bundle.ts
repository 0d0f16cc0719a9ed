// The ES module bundle of an entry for browser bundlers (dist/browser/<entry>.mjs), served under
// the "browser" condition of its package.json "exports" (see scripts/package-entries.ts).
//
// Why a second build of the same sources: the main build is CommonJS with an ES module face
// (scripts/build.ts), which keeps one implementation for Node. A bundler cannot tree-shake
// CommonJS, so an app importing only `connect` from it would carry the whole entry and every
// module it requires (permessage-deflate's option checks included): about 63 KB minified. From
// this ES module it keeps only what the app reaches, as from the sources. In a browser nothing
// else loads the CommonJS build, so there is no second copy of the classes to tell apart.
//
// Built by scripts/build.ts; spec/browser.spec.ts bundles an app from it, in memory, for the
// size budget.
import { build, type BuildOptions, type OutputFile } from 'esbuild';
import { join } from 'node:path';
import { root, type PackageEntry } from './package-entries';

/** The esbuild options of the bundle: ES2022, rxjs left to the app, not minified (the app's
 *  bundler minifies; the bundle stays readable and keeps its pure annotations). */
export function browserBundleOptions(entry: PackageEntry & { browser: string }): BuildOptions {
  return {
    absWorkingDir: root,
    entryPoints: [join(root, entry.source)],
    outfile: join(root, entry.browser),
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    external: ['rxjs'],
    sourcemap: true,
    sourcesContent: true,
    legalComments: 'none',
    logLevel: 'silent',
  };
}

/** Builds the bundle: to disk, or (`write: false`) in memory, its files returned. */
export async function buildBrowserBundle(entry: PackageEntry & { browser: string }, write = true): Promise<OutputFile[]> {
  const result = await build({ ...browserBundleOptions(entry), write });
  return result.outputFiles ?? [];
}

// The package's entry points, read from package.json "exports": the one list the build, the API
// reference and the package specs all work from.
//
// To add an entry point (say `@rxws/rxws/browser`), add its source file (src/browser.ts) and one
// exports entry of this exact shape; nothing else needs to change:
//
//   "./browser": {
//     "import": { "types": "./dist/esm/browser.d.mts", "default": "./dist/esm/browser.mjs" },
//     "require": { "types": "./dist/types/browser.d.ts", "default": "./dist/cjs/browser.js" }
//   }
//
// Why two type files per entry: TypeScript reads a `.d.ts` in this package as CommonJS types and
// a `.d.mts` as ES module types. The ES module face (dist/esm/*.mjs) has named exports only, and
// only ES module types say so; with one CommonJS `.d.ts` for both, `import rxws from '@rxws/rxws'`
// type-checks and then fails at run time.
//
// An entry meant for browsers may also have, first, a "browser" condition: an ES module bundle
// of the entry that bundlers for the browser take instead, so they can drop what the app does
// not import (see scripts/browser-bundle.ts):
//
//   "browser": { "types": "./dist/esm/browser.d.mts", "default": "./dist/browser/browser.mjs" },
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const root = join(__dirname, '..');

export interface PackageEntry {
  /** The key in "exports": '.' or './browser'. */
  subpath: string;
  /** What users import: '@rxws/rxws' or '@rxws/rxws/browser'. */
  specifier: string;
  /** Paths relative to the package root, without './'. */
  source: string;
  cjs: string;
  cjsTypes: string;
  esm: string;
  esmTypes: string;
  /** The ES module bundle for browser bundlers, when the entry has a "browser" condition. */
  browser?: string;
}

interface PackageJson {
  name: string;
  exports: Record<string, unknown>;
}

export function readPackageJson(): PackageJson {
  return JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as PackageJson;
}

/** The entries of package.json "exports" (all but plain files such as "./package.json"). */
export function packageEntries(pkg: PackageJson = readPackageJson()): PackageEntry[] {
  const entries: PackageEntry[] = [];
  for (const [subpath, target] of Object.entries(pkg.exports)) {
    if (typeof target === 'string') continue;
    const name = subpath === '.' ? 'index' : subpath.slice(2);
    const expected = {
      import: { types: `./dist/esm/${name}.d.mts`, default: `./dist/esm/${name}.mjs` },
      require: { types: `./dist/types/${name}.d.ts`, default: `./dist/cjs/${name}.js` },
    };
    const withBrowser = { browser: { types: expected.import.types, default: `./dist/browser/${name}.mjs` }, ...expected };
    const hasBrowser = JSON.stringify(target) === JSON.stringify(withBrowser);
    if (!/^(\.|\.\/[a-z0-9-]+)$/.test(subpath) || (!hasBrowser && JSON.stringify(target) !== JSON.stringify(expected))) {
      throw new Error(
        `package.json exports["${subpath}"] must be exactly ${JSON.stringify(expected)}, or that with a first ` +
          `"browser" condition: ${JSON.stringify(withBrowser)} (see scripts/package-entries.ts)`,
      );
    }
    const source = `src/${name}.ts`;
    if (!existsSync(join(root, source))) throw new Error(`package.json exports["${subpath}"] needs its source file ${source}`);
    entries.push({
      subpath,
      specifier: subpath === '.' ? pkg.name : `${pkg.name}/${name}`,
      source,
      cjs: expected.require.default.slice(2),
      cjsTypes: expected.require.types.slice(2),
      esm: expected.import.default.slice(2),
      esmTypes: expected.import.types.slice(2),
      ...(hasBrowser ? { browser: withBrowser.browser.default.slice(2) } : {}),
    });
  }
  return entries;
}

import { packageEntries, readPackageJson } from '../../scripts/package-entries';

const entry = (name: string) => ({
  import: { types: `./dist/esm/${name}.d.mts`, default: `./dist/esm/${name}.mjs` },
  require: { types: `./dist/types/${name}.d.ts`, default: `./dist/cjs/${name}.js` },
});

describe('packageEntries (the entry points, from package.json "exports")', () => {
  it('reads this package: "." from src/index.ts, and skips plain files such as ./package.json', () => {
    const entries = packageEntries();
    expect(entries[0]).toEqual({
      subpath: '.',
      specifier: '@rxws/rxws',
      source: 'src/index.ts',
      cjs: 'dist/cjs/index.js',
      cjsTypes: 'dist/types/index.d.ts',
      esm: 'dist/esm/index.mjs',
      esmTypes: 'dist/esm/index.d.mts',
    });
    expect(entries.map((e) => e.subpath)).not.toContain('./package.json');
    expect(entries.length).toBe(Object.values(readPackageJson().exports).filter((target) => typeof target !== 'string').length);
  });

  it('names a subpath entry after its key: ./errors comes from src/errors.ts', () => {
    const [, errors] = packageEntries({ name: '@x/y', exports: { '.': entry('index'), './errors': entry('errors') } });
    expect(errors).toEqual(expect.objectContaining({ specifier: '@x/y/errors', source: 'src/errors.ts', esm: 'dist/esm/errors.mjs', cjsTypes: 'dist/types/errors.d.ts' }));
  });

  it('rejects an entry of another shape, showing the one expected', () => {
    const flat = { types: './dist/types/index.d.ts', import: './dist/esm/index.mjs', require: './dist/cjs/index.js' };
    expect(() => packageEntries({ name: '@x/y', exports: { '.': flat } })).toThrow(/exports\["\."\] must be exactly .*"\.\/dist\/esm\/index\.d\.mts"/);
    expect(() => packageEntries({ name: '@x/y', exports: { './errors': entry('other') } })).toThrow(/exports\["\.\/errors"\] must be exactly/);
  });

  it('accepts a first "browser" condition for the ES module bundle, and gives its path', () => {
    const withBrowser = { browser: { types: './dist/esm/browser.d.mts', default: './dist/browser/browser.mjs' }, ...entry('browser') };
    const [, browser] = packageEntries({ name: '@x/y', exports: { '.': entry('index'), './browser': withBrowser } });
    expect(browser).toEqual(expect.objectContaining({ specifier: '@x/y/browser', browser: 'dist/browser/browser.mjs' }));
    expect(packageEntries({ name: '@x/y', exports: { '.': entry('index') } })[0]!.browser).toBeUndefined();
    // Anywhere but first, or pointing elsewhere, it is another shape.
    const last = { ...entry('browser'), browser: withBrowser.browser };
    expect(() => packageEntries({ name: '@x/y', exports: { './browser': last } })).toThrow(/first "browser" condition/);
    const elsewhere = { ...withBrowser, browser: { ...withBrowser.browser, default: './dist/esm/browser.mjs' } };
    expect(() => packageEntries({ name: '@x/y', exports: { './browser': elsewhere } })).toThrow(/must be exactly/);
  });

  it('rejects an entry whose source file does not exist', () => {
    expect(() => packageEntries({ name: '@x/y', exports: { './nowhere': entry('nowhere') } })).toThrow('needs its source file src/nowhere.ts');
  });
});

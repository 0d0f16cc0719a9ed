import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '..');

describe('the built package (exports map)', () => {
  beforeAll(() => {
    execFileSync(process.execPath, [join(root, 'scripts/build.mjs')], { cwd: root, stdio: 'pipe' });
  }, 120_000);

  it('serves CommonJS consumers through require("@rxws/rxws")', () => {
    const out = execFileSync(process.execPath, ['-e', "const r = require('@rxws/rxws'); console.log(typeof r.WebSocketServer, typeof r.connect, typeof r.ofText)"], { cwd: root }).toString();
    expect(out.trim()).toMatch(/^function (function|undefined) function$/);
  });

  it('serves ES module consumers through import, with the same classes as require', () => {
    const script = "import { WebSocketServer, UsageError } from '@rxws/rxws'; import { createRequire } from 'node:module'; const r = createRequire(import.meta.url)('@rxws/rxws'); console.log(WebSocketServer === r.WebSocketServer, UsageError === r.UsageError)";
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: root }).toString();
    expect(out.trim()).toBe('true true');
  });

  it('ships type declarations for the entry point', () => {
    const pkg = require(join(root, 'package.json'));
    expect(pkg.exports['.'].types).toBe('./dist/types/index.d.ts');
    expect(() => require.resolve(join(root, pkg.exports['.'].types))).not.toThrow();
  });

  it('has no run-time dependency other than the rxjs peer', () => {
    const pkg = require(join(root, 'package.json'));
    expect(pkg.dependencies ?? {}).toEqual({});
    expect(Object.keys(pkg.peerDependencies)).toEqual(['rxjs']);
  });
});

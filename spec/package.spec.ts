import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

  it('has no run-time dependency other than the rxjs peer, and redis as an optional peer', () => {
    const pkg = require(join(root, 'package.json'));
    expect(pkg.dependencies ?? {}).toEqual({});
    expect(Object.keys(pkg.peerDependencies).sort()).toEqual(['redis', 'rxjs']);
    expect(pkg.peerDependenciesMeta).toEqual({ redis: { optional: true } });
  });

  it('serves the Redis bus from @rxws/rxws/redis, and the core entry never loads redis', () => {
    const script =
      "const core = require('@rxws/rxws'); const loaded = Object.keys(require.cache).some((f) => /node_modules[\\\\/](redis|@redis)[\\\\/]/.test(f));" +
      " const { redisBus } = require('@rxws/rxws/redis'); console.log(typeof core.clusterBus, typeof core.MemoryBusHub, loaded, typeof redisBus)";
    const out = execFileSync(process.execPath, ['-e', script], { cwd: root }).toString();
    expect(out.trim()).toBe('function function false function');
    const esm = execFileSync(process.execPath, ['--input-type=module', '-e', "import { redisBus } from '@rxws/rxws/redis'; console.log(typeof redisBus)"], { cwd: root }).toString();
    expect(esm.trim()).toBe('function');
  });

  it('explains a missing redis peer when a Redis bus is made, and works without it otherwise', () => {
    // An install with rxjs and no redis: the package copied (not linked, or Node would find
    // this checkout's redis from the real path).
    const dir = mkdtempSync(join(tmpdir(), 'rxws-nopeer-'));
    try {
      const own = join(dir, 'node_modules/@rxws/rxws');
      mkdirSync(own, { recursive: true });
      cpSync(join(root, 'dist'), join(own, 'dist'), { recursive: true });
      cpSync(join(root, 'package.json'), join(own, 'package.json'));
      symlinkSync(join(root, 'node_modules/rxjs'), join(dir, 'node_modules/rxjs'));
      const script =
        "const { WebSocketServer } = require('@rxws/rxws'); new WebSocketServer();" +
        " try { require('@rxws/rxws/redis').redisBus('redis://127.0.0.1:1'); } catch (e) { console.log(e.name, e.code, e.message); }";
      const out = execFileSync(process.execPath, ['-e', script], { cwd: dir }).toString();
      expect(out).toMatch(/^UsageError missing_peer .*'redis' package.*npm install redis/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// The package as users get it: `npm pack` (which builds), the tarball installed into a scratch
// project with npm, offline (rxjs, the other peers and @types/node are linked from this
// repository), then used from ES modules, from CommonJS and from TypeScript under node16,
// nodenext and bundler resolution with `strict`. Every entry point of package.json "exports" is
// covered; '.' also gets a round trip through a real server and client.
import { execFile, execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { build } from 'esbuild';
import ts from 'typescript';
import { packageEntries, readPackageJson, root } from '../scripts/package-entries';

const pkg = readPackageJson() as ReturnType<typeof readPackageJson> & { peerDependencies: Record<string, string>; dependencies?: object };
const entries = packageEntries();
const main = entries.find((entry) => entry.subpath === '.')!;
let scratch: string;
let consumer: string;
let shipped: Map<string, string>;

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'rxws-package-'));
  const out = execFileSync('npm', ['pack', '--json', '--pack-destination', scratch], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  // The prepack build logs to stdout too; npm's JSON comes last.
  const [packed] = JSON.parse(out.slice(out.search(/^\[/m))) as Array<{ filename: string }>;
  consumer = join(scratch, 'consumer');
  mkdirSync(consumer);
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
  // --legacy-peer-deps: npm would otherwise fetch rxjs from the registry; it is linked below.
  execFileSync(
    'npm',
    ['install', join(scratch, packed!.filename), '--offline', '--no-save', '--no-package-lock', '--legacy-peer-deps', '--ignore-scripts', '--no-audit', '--no-fund'],
    { cwd: consumer, stdio: 'pipe' },
  );
  for (const name of [...Object.keys(pkg.peerDependencies), '@types/node']) {
    mkdirSync(dirname(join(consumer, 'node_modules', name)), { recursive: true });
    symlinkSync(join(root, 'node_modules', name), join(consumer, 'node_modules', name), 'dir');
  }
  shipped = readTree(join(consumer, 'node_modules', pkg.name));
}, 180_000);

afterAll(() => {
  if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
});

/** Runs a script in the consumer project; resolves with its stdout, or rejects with its stderr. */
function run(file: string, source: string): Promise<string> {
  writeFileSync(join(consumer, file), source);
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [file], { cwd: consumer, timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${file} failed: ${stderr}`));
      else resolve(stdout);
    });
  });
}

/** Every file of the installed package: path relative to the package → its text. */
function readTree(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const list = execFileSync('find', ['.', '-type', 'f'], { cwd: dir, encoding: 'utf8' }).trim().split('\n');
  for (const file of list) files.set(file.slice(2), readFileSync(join(dir, file), 'utf8'));
  return files;
}

describe('the packed package', () => {
  it('holds the build, the docs, README, LICENSE and package.json, and nothing else', () => {
    const tops = new Set([...shipped.keys()].map((file) => file.split('/')[0]));
    expect([...tops].sort()).toEqual(['LICENSE', 'README.md', 'dist', 'docs', 'package.json']);
    expect(shipped.get('LICENSE')).toMatch(/^MIT License\n\nCopyright \(c\) \d{4} the rxws authors\n/);
    for (const entry of entries) {
      for (const file of [entry.cjs, entry.cjsTypes, entry.esm, entry.esmTypes]) expect(shipped.has(file)).toBe(true);
      if (entry.browser !== undefined) expect([entry.browser, shipped.has(entry.browser)]).toEqual([entry.browser, true]);
    }
  });

  it('says where it comes from, and depends on nothing at run time but the rxjs peer', () => {
    const installed = JSON.parse(shipped.get('package.json')!) as Record<string, unknown>;
    expect(installed.repository).toEqual({ type: 'git', url: expect.stringMatching(/^git\+https:\/\/github\.com\/[^/]+\/[^/]+\.git$/) });
    expect(installed.homepage).toMatch(/^https:\/\/github\.com\//);
    expect(installed.bugs).toEqual({ url: expect.stringMatching(/^https:\/\/github\.com\/.*\/issues$/) });
    expect(installed.dependencies ?? {}).toEqual({});
    expect(installed.peerDependencies).toEqual(expect.objectContaining({ rxjs: expect.any(String) }));
    // redis serves only the `/redis` entry: an optional peer, never needed by the core.
    expect(Object.keys(installed.peerDependencies as object).sort()).toEqual(['redis', 'rxjs']);
    expect(installed.peerDependenciesMeta).toEqual({ redis: { optional: true } });
  });

  it('ships source maps that carry their sources (src/ is not shipped)', () => {
    const maps = [...shipped.keys()].filter((file) => file.endsWith('.map'));
    expect(maps.length).toBeGreaterThan(0);
    const incomplete = maps.filter((file) => {
      const map = JSON.parse(shipped.get(file)!) as { sources: string[]; sourcesContent?: Array<string | null> };
      return map.sourcesContent?.length !== map.sources.length || map.sourcesContent.some((text) => typeof text !== 'string' || text === '');
    });
    expect(incomplete).toEqual([]);
  });

  it('has working links in its README and docs (relative links stay inside the package)', () => {
    const broken: string[] = [];
    for (const [file, text] of shipped) {
      if (!file.endsWith('.md')) continue;
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/.test(target!)) continue;
        const [path, anchor] = target!.split('#') as [string, string | undefined];
        const resolved = path === '' ? file : posix.normalize(posix.join(posix.dirname(file), path)).replace(/\/$/, '');
        const isDir = [...shipped.keys()].some((shippedFile) => shippedFile.startsWith(`${resolved}/`));
        if (!shipped.has(resolved) && !isDir) broken.push(`${file}: ${target} (no such file in the package)`);
        else if (anchor !== undefined && !headingSlugs(shipped.get(resolved) ?? '').has(anchor)) broken.push(`${file}: ${target} (no such heading)`);
      }
    }
    expect(broken).toEqual([]);
  });
});

/** GitHub's heading anchors: lowercase, punctuation dropped, spaces to hyphens. */
function headingSlugs(markdown: string): Set<string> {
  const slugs = new Set<string>();
  for (const [, heading] of markdown.matchAll(/^#{1,6} (.+)$/gm)) {
    slugs.add(heading!.trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-'));
  }
  return slugs;
}

describe('the installed package at run time', () => {
  it('works from an ES module: a server and a client talk through it', async () => {
    const out = await run(
      'round-trip.mjs',
      `import { WebSocketServer, openConnection, ofText } from '${main.specifier}';
const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
server.route({ path: '/', handle: (conn) => { conn.messages$.pipe(ofText()).subscribe((text) => conn.sink.next(text.toUpperCase())); } });
const { port } = await server.listen();
const conn = await openConnection('ws://127.0.0.1:' + port + '/');
conn.sink.next('hello');
const reply = await conn.waitForMessage('text', { timeoutMs: 10000 });
await conn.close();
await server.close();
console.log(reply.data);
`,
    );
    expect(out.trim()).toBe('HELLO');
  });

  it('works from CommonJS: a server and a client talk through it', async () => {
    const out = await run(
      'round-trip.cjs',
      `const { WebSocketServer, openConnection, ofText } = require('${main.specifier}');
(async () => {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  server.route({ path: '/', handle: (conn) => { conn.messages$.pipe(ofText()).subscribe((text) => conn.sink.next(text.toUpperCase())); } });
  const { port } = await server.listen();
  const conn = await openConnection('ws://127.0.0.1:' + port + '/');
  conn.sink.next('hello');
  const reply = await conn.waitForMessage('text', { timeoutMs: 10000 });
  await conn.close();
  await server.close();
  console.log(reply.data);
})();
`,
    );
    expect(out.trim()).toBe('HELLO');
  });

  it('gives a bundler that targets browsers the ES module bundle of each browser entry, which it trims to what the app imports', async () => {
    const withBundle = entries.filter((entry) => entry.browser !== undefined);
    expect(withBundle.map((entry) => entry.specifier)).toEqual([`${pkg.name}/browser`]);
    for (const entry of withBundle) {
      writeFileSync(join(consumer, 'browser-app.js'), `export { connect, ofText } from '${entry.specifier}';\n`);
      const result = await build({
        absWorkingDir: consumer,
        entryPoints: ['browser-app.js'],
        bundle: true,
        platform: 'browser',
        format: 'esm',
        minify: true,
        external: ['rxjs'],
        write: false,
        metafile: true,
        logLevel: 'silent',
      });
      const fromPackage = Object.keys(result.metafile.inputs).filter((input) => input.includes(pkg.name));
      expect(fromPackage).toEqual([`node_modules/${pkg.name}/${entry.browser}`]);
      const app = result.outputFiles[0]!.text;
      expect(app).toContain('the url scheme must be ws:, wss:, http: or https:');
      // Neither the typed layer nor ReconnectingClient came along (the CommonJS build, which a
      // bundler cannot trim, brought the whole entry: about 63 KB).
      expect(app).not.toContain('nextRequestId must return');
      expect(app).not.toContain('queued message(s) dropped');
      expect(app.length).toBeLessThan(13_000);
    }
  });

  it('serves the Redis bus from the /redis entry, and the core entry never loads redis', async () => {
    const out = await run(
      'redis-entry.cjs',
      `const core = require('${main.specifier}');
const loaded = Object.keys(require.cache).some((f) => /node_modules[\\\\/](redis|@redis)[\\\\/]/.test(f));
const { redisBus } = require('${main.specifier}/redis');
console.log(typeof core.clusterBus, typeof core.MemoryBusHub, loaded, typeof redisBus);
`,
    );
    expect(out.trim()).toBe('function function false function');
    const esm = await run('redis-entry.mjs', `import { redisBus } from '${main.specifier}/redis';\nconsole.log(typeof redisBus);\n`);
    expect(esm.trim()).toBe('function');
  });

  it('explains a missing redis peer when a Redis bus is made, and works without it otherwise', () => {
    // An install with rxjs and no redis: the installed package copied (not linked, or Node would
    // find this checkout's redis from the real path).
    const dir = mkdtempSync(join(tmpdir(), 'rxws-nopeer-'));
    try {
      const own = join(dir, 'node_modules', pkg.name);
      mkdirSync(own, { recursive: true });
      cpSync(join(consumer, 'node_modules', pkg.name), own, { recursive: true, dereference: true });
      symlinkSync(join(root, 'node_modules/rxjs'), join(dir, 'node_modules/rxjs'));
      const script =
        `const { WebSocketServer } = require('${main.specifier}'); new WebSocketServer();` +
        ` try { require('${main.specifier}/redis').redisBus('redis://127.0.0.1:1'); } catch (e) { console.log(e.name, e.code, e.message); }`;
      const out = execFileSync(process.execPath, ['-e', script], { cwd: dir }).toString();
      expect(out).toMatch(/^UsageError missing_peer .*'redis' package.*npm install redis/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each(entries.map((entry) => [entry.specifier, entry] as const))(
    '%s: import and require give the same names and the same objects (one implementation)',
    async (specifier) => {
      const out = await run(
        `names-${specifier.replace(/\W/g, '_')}.mjs`,
        `import * as esm from '${specifier}';
import { createRequire } from 'node:module';
const cjs = createRequire(import.meta.url)('${specifier}');
const names = Object.keys(esm).sort();
console.log(JSON.stringify({ names, cjsNames: Object.keys(cjs).filter((n) => n !== '__esModule').sort(), same: names.every((n) => esm[n] === cjs[n]) }));
`,
      );
      const result = JSON.parse(out) as { names: string[]; cjsNames: string[]; same: boolean };
      expect(result.names.length).toBeGreaterThan(0);
      expect(result.names).toEqual(result.cjsNames);
      expect(result.same).toBe(true);
    },
  );

  it.each(entries.map((entry) => [entry.specifier] as const))(
    '%s has no default export at run time, from ES modules or (compiled) CommonJS',
    async (specifier) => {
      await expect(run(`default-${specifier.replace(/\W/g, '_')}.mjs`, `import rxws from '${specifier}';\nconsole.log(typeof rxws);\n`)).rejects.toThrow(
        /does not provide an export named 'default'/,
      );
      // What TypeScript compiles `import rxws from` to in CommonJS: __importDefault(require(...)).default,
      // which is undefined because the module is marked __esModule.
      const out = await run(
        `default-${specifier.replace(/\W/g, '_')}.cjs`,
        `const m = require('${specifier}');\nconsole.log(JSON.stringify({ esModule: m.__esModule, hasDefault: 'default' in m }));\n`,
      );
      expect(JSON.parse(out)).toEqual({ esModule: true, hasDefault: false });
    },
  );
});

describe('the installed package in TypeScript (strict, shipped declarations checked too)', () => {
  const modes = {
    node16: { module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16, esm: '.mts', cjs: '.cts' },
    nodenext: { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, esm: '.mts', cjs: '.cts' },
    bundler: { module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, esm: '.ts', cjs: undefined },
  } as const;

  /** Type-checks the files (name → source) in the consumer project; returns the errors by file. */
  function check(mode: keyof typeof modes, files: Record<string, string>): Record<string, string[]> {
    const dir = join(consumer, `ts-${mode}`);
    mkdirSync(dir, { recursive: true });
    const paths = Object.entries(files).map(([name, source]) => {
      writeFileSync(join(dir, name), source);
      return join(dir, name);
    });
    const { module, moduleResolution } = modes[mode];
    const program = ts.createProgram(paths, {
      module,
      moduleResolution,
      target: ts.ScriptTarget.ES2022,
      strict: true,
      skipLibCheck: false,
      noEmit: true,
      types: ['node'],
    });
    // Only this package's files and the consumer's are checked: checking all of @types/node
    // too (skipLibCheck: false with getPreEmitDiagnostics) would take many seconds.
    const ours = program.getSourceFiles().filter((file) => file.fileName.startsWith(`${dir}/`) || file.fileName.includes(`/node_modules/${pkg.name}/`));
    const diagnostics = [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics(), ...ours.flatMap((file) => [...program.getSyntacticDiagnostics(file), ...program.getSemanticDiagnostics(file)])];
    const errors: Record<string, string[]> = {};
    for (const diagnostic of diagnostics) {
      const where = diagnostic.file === undefined ? '(options)' : diagnostic.file.fileName.slice(consumer.length + 1);
      (errors[where] ??= []).push(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
    }
    return errors;
  }

  const usage = (specifier: string) => `import { WebSocketServer, Route, openConnection, connect, reconnect, ofText, jsonMessages, reject, CloseCode, UsageError, type Connection, type Message } from '${specifier}';
import { filter, map, mergeMap } from 'rxjs';

export async function demo(): Promise<number> {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1', maxMessageBytes: 1 << 20 });
  const chat: Route<{ user: string }> = server.route<{ user: string }>({
    path: '/chat',
    accept: (request) => (request.headers.cookie ? { data: { user: 'ada' } } : reject(401, 'log in first')),
  });
  chat.connections$.pipe(mergeMap((conn: Connection<{ user: string }>) => conn.messages$.pipe(ofText(), map((text) => conn.data.user + ': ' + text)))).subscribe(chat.broadcast);
  const { port } = await server.listen();
  const conn = await openConnection('ws://127.0.0.1:' + port + '/chat', { headers: { cookie: 'id=1' } });
  conn.messages$.pipe(jsonMessages<{ n: number }>(), filter((value) => value.n > 0)).subscribe();
  const stream = connect('ws://127.0.0.1:' + port + '/chat').pipe(reconnect());
  stream.subscribe().unsubscribe();
  const message: Message = await conn.waitForMessage((m) => m.type !== 'pong');
  try {
    await conn.close(4000, 'a reason far too long '.repeat(10));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
  }
  const closed = await conn.close(CloseCode.Normal, 'bye');
  // @ts-expect-error routes are made by server.route(), not by users
  new Route();
  // @ts-expect-error the transport's callbacks are not public API
  conn.onText('x');
  // @ts-expect-error nor is the route's bookkeeping
  chat.add(conn);
  await server.close();
  return message.type === 'close' ? closed.code : 0;
}
`;
  const everyEntry = (ext: string) =>
    Object.fromEntries(entries.map((entry, i) => [`entry-${i}${ext}`, `import * as api from '${entry.specifier}';\nexport const names: string[] = Object.keys(api);\n`]));
  const defaultImports = (ext: string) =>
    Object.fromEntries(entries.map((entry, i) => [`default-${i}${ext}`, `import rxws from '${entry.specifier}';\nexport const what = typeof rxws;\n`]));

  it.each(Object.keys(modes) as Array<keyof typeof modes>)('%s: the API type-checks from ES modules and CommonJS, and the default import does not', (mode) => {
    const { esm, cjs } = modes[mode];
    const errors = check(mode, {
      [`use${esm}`]: usage(main.specifier),
      ...(cjs === undefined ? {} : { [`use${cjs}`]: usage(main.specifier), ...everyEntry(cjs), ...defaultImports(cjs) }),
      ...everyEntry(esm),
      ...defaultImports(esm),
    });
    const defaultErrors = Object.keys(errors).filter((file) => /\/default-/.test(file));
    const expectedDefaultErrors = entries.flatMap((_, i) => [esm, cjs].filter((ext) => ext !== undefined).map((ext) => `ts-${mode}/default-${i}${ext}`));
    expect(defaultErrors.sort()).toEqual(expectedDefaultErrors.sort());
    for (const file of defaultErrors) expect(errors[file]).toEqual([expect.stringMatching(/has no default export/)]);
    for (const file of defaultErrors) delete errors[file];
    expect(errors).toEqual({});
  }, 60_000);

  it('resolves each import to the types of the very file Node loads for it', () => {
    for (const entry of entries) {
      for (const [from, file, types] of [['x.mts', entry.esm, entry.esmTypes], ['x.cts', entry.cjs, entry.cjsTypes]] as const) {
        const containing = join(consumer, from);
        const mode = from.endsWith('.mts') ? ts.ModuleKind.ESNext : ts.ModuleKind.CommonJS;
        const options = { module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16 };
        const resolved = ts.resolveModuleName(entry.specifier, containing, options, ts.sys, undefined, undefined, mode);
        expect(resolved.resolvedModule?.resolvedFileName).toBe(join(consumer, 'node_modules', pkg.name, types));
        expect(existsSync(join(consumer, 'node_modules', pkg.name, file))).toBe(true);
      }
    }
  });
});

// The browser entry, `@rxws/rxws/browser` (src/browser.ts): nothing from Node is reachable from
// it, its size, its names, what its types leave out, and that it runs on a WHATWG WebSocket
// outside a browser too: Node's global one (Node ≥ 22; in a child process when this Node is
// older and a newer binary is around) or the `ws` package's class passed as `webSocketClass`.
// Real browsers: spec/browser/real-browsers.spec.ts.
import { build, type Plugin } from 'esbuild';
import { execFileSync, spawn } from 'node:child_process';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import WebSocket from 'ws';
import * as browser from '../src/browser';
import * as node from '../src';
import { UsageError } from '../src/errors';
import { browserEntryBundle, browserEntryPlugin } from './helpers/browser-bundle';
import { startBrowserTestServer, type BrowserTestServer } from './helpers/browser-test-server';
import { EXPECTED_RESULT, runScenario, type ScenarioResult } from './browser/node-scenario';

const ROOT = join(__dirname, '..');
const KiB = 1024;

/**
 * Size budgets, as an app pays them: the app bundled and minified with esbuild for the browser,
 * rxws taken as browser bundlers get it (its ES module bundle, scripts/browser-bundle.ts), rxjs
 * bundled too, as apps do, and left out of the count: the bytes are those esbuild attributes to
 * rxws in the output (its metafile's bytesInOutput). The smallest app (`connect` and `ofText`)
 * has the budget; a reconnecting app and the whole entry (typed() included) have ceilings, so
 * growth is noticed. See docs/how-to/browser.md. The budget is 10 KB: the connect app
 * takes 9,911 B (error names kept as text, so minified apps still log 'HandshakeError'), the
 * reconnecting app 16,894 B and the whole entry 28,996 B.
 */
const CONNECT_BUDGET_BYTES = 10_000;
const RECONNECTING_APP_CEILING_BYTES = 17_100;
const ENTRY_CEILING_BYTES = 29_300;
const APPS = {
  connect: "export { connect, ofText } from '@rxws/rxws/browser';",
  reconnecting: "export { ReconnectingClient, jsonMessages, ofText } from '@rxws/rxws/browser';",
  whole: "export * from '@rxws/rxws/browser';",
};

/** The browser bundle of `entry` (a file, or module source resolved from the root), minified;
 *  `inputs` gets the source files that made it into the bundle. */
async function browserBundle(entry: { file: string } | { source: string }, reached: string[], inputs: string[] = []): Promise<string> {
  const result = await build({
    ...('file' in entry ? { entryPoints: [entry.file] } : { stdin: { contents: entry.source, resolveDir: ROOT, loader: 'ts' as const } }),
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    minify: true,
    external: ['rxjs'],
    write: false,
    logLevel: 'silent',
    plugins: [nodeModuleGuard(reached)],
    metafile: true,
  });
  for (const output of Object.values(result.metafile!.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) if (bytesInOutput > 0) inputs.push(input);
  }
  return result.outputFiles[0]!.text;
}

interface AppSize {
  /** Bytes of rxws in the minified app (rxjs bundled, not counted). */
  minified: number;
  /** The minified app with rxjs left external (its import lines counted), gzipped. */
  gzipped: number;
}

/** What `app` (module source importing `@rxws/rxws/browser`) costs, with rxws from `bundle`. */
async function appSize(app: string, bundle: string): Promise<AppSize> {
  const options = {
    stdin: { contents: app, resolveDir: ROOT, loader: 'js' as const },
    bundle: true,
    platform: 'browser' as const,
    format: 'esm' as const,
    target: 'es2022',
    minify: true,
    write: false,
    logLevel: 'silent' as const,
    plugins: [browserEntryPlugin(bundle)],
  };
  const withRxjs = await build({ ...options, metafile: true });
  let minified = 0;
  for (const output of Object.values(withRxjs.metafile.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) if (input.startsWith('rxws-browser:')) minified += bytesInOutput;
  }
  const alone = await build({ ...options, external: ['rxjs'] });
  return { minified, gzipped: gzipSync(alone.outputFiles![0]!.text, { level: 9 }).length };
}

const describeSize = (size: AppSize) =>
  `${size.minified} B minified (${(size.minified / KiB).toFixed(1)} KiB), ${size.gzipped} B minified+gzip with its rxjs imports (${(size.gzipped / KiB).toFixed(1)} KiB)`;

/** Records every Node module the bundle would reach, instead of letting esbuild fail on the first. */
function nodeModuleGuard(reached: string[]): Plugin {
  const builtins = new Set(builtinModules);
  return {
    name: 'no-node-modules',
    setup(b) {
      b.onResolve({ filter: /.*/ }, (args) => {
        const bare = args.path.startsWith('node:') ? args.path.slice(5) : args.path;
        if (args.path.startsWith('node:') || builtins.has(bare.split('/')[0]!)) {
          reached.push(`${args.path} (from ${args.importer.replace(ROOT, '.')})`);
          return { path: args.path, external: true };
        }
        return undefined;
      });
    },
  };
}

describe('rxws/browser bundled for the browser (esbuild, platform browser, rxjs left out)', () => {
  let code: string;
  const reached: string[] = [];
  const inputs: string[] = [];
  const sizes = new Map<keyof typeof APPS, AppSize>();

  beforeAll(async () => {
    code = await browserBundle({ file: join(ROOT, 'src/browser.ts') }, reached, inputs);
    const bundle = await browserEntryBundle();
    for (const [name, app] of Object.entries(APPS) as Array<[keyof typeof APPS, string]>) sizes.set(name, await appSize(app, bundle));
  }, 120_000);

  it('reaches no node: module and no Node built-in', () => {
    expect(reached).toEqual([]);
  });

  it('leaves out what only Node uses: permessage-deflate and the Node option rules (a property read such as Number.MAX_SAFE_INTEGER in a shared rules object keeps them in), the protocol core, the socket transport, and the layer that pauses reading', () => {
    expect(inputs.filter((input) => /extensions\/|handshake\/extensions|protocol-connection|socket-transport|pausable-connection|rx\/connection\.ts/.test(input))).toEqual([]);
  });

  it('uses no Node global (Buffer, process, setImmediate, require)', async () => {
    for (const bundle of [code, await browserEntryBundle()]) expect(bundle).not.toMatch(/\bBuffer\b|\bprocess\.|\bsetImmediate\b|\brequire\(/);
  });

  it(`an app of connect() and ofText() takes at most ${CONNECT_BUDGET_BYTES} B of rxws, minified; a reconnecting app and the whole entry stay within their ceilings (reports every size)`, () => {
    const lines = Object.entries(APPS).map(([name, app]) => `  ${app.replace(" from '@rxws/rxws/browser';", '')}: ${describeSize(sizes.get(name as keyof typeof APPS)!)}`);
    console.log(`rxws/browser in an app bundle (esbuild --minify), rxjs not counted:\n${lines.join('\n')}`);
    expect(sizes.get('connect')!.minified).toBeLessThanOrEqual(CONNECT_BUDGET_BYTES);
    expect(sizes.get('reconnecting')!.minified).toBeLessThanOrEqual(RECONNECTING_APP_CEILING_BYTES);
    expect(sizes.get('whole')!.minified).toBeLessThanOrEqual(ENTRY_CEILING_BYTES);
  });

  it('an app carries only what it imports: connect() and ofText() bring neither ReconnectingClient nor typed()', async () => {
    const bundle = await browserEntryBundle();
    const app = await build({ stdin: { contents: APPS.connect, resolveDir: ROOT, loader: 'js' }, bundle: true, platform: 'browser', format: 'esm', minify: true, external: ['rxjs'], write: false, logLevel: 'silent', plugins: [browserEntryPlugin(bundle)] });
    const text = app.outputFiles[0]!.text;
    // Messages only those carry (they are not renamed by any minifier).
    expect(text).not.toContain('queued message(s) dropped');
    expect(text).not.toContain('nextRequestId must return');
    expect(text).toContain('the url scheme must be ws:, wss:, http: or https:');
  });
});

describe('the package exports map', () => {
  it('serves ./browser with its own types for import and require, and first, for bundlers that target browsers, its ES module bundle', () => {
    const pkg = require(join(ROOT, 'package.json')) as { exports: Record<string, unknown> };
    expect(pkg.exports['./browser']).toEqual({
      browser: { types: './dist/esm/browser.d.mts', default: './dist/browser/browser.mjs' },
      import: { types: './dist/esm/browser.d.mts', default: './dist/esm/browser.mjs' },
      require: { types: './dist/types/browser.d.ts', default: './dist/cjs/browser.js' },
    });
    expect(Object.keys(pkg.exports['./browser'] as object)[0]).toBe('browser');
  });
});

describe('rxws/browser names', () => {
  it('has the client API under the same names as the Node entry', () => {
    const shared = ['connect', 'openConnection', 'reconnect', 'ReconnectingClient', 'ClientConnection', 'ofText', 'ofBinary', 'ofData', 'jsonMessages', 'failOnAbnormalClose', 'DecodeError', 'isRetryable', 'backoffDelay', 'MessageDroppedError', 'CloseCode', 'UsageError', 'ConnectionClosedError', 'TimeoutError', 'NetworkError', 'typed', 'serveRequests', 'jsonCodec', 'InvalidOutgoingError', 'RequestHandlerError'];
    for (const name of shared) {
      expect([name, typeof (browser as Record<string, unknown>)[name]]).toEqual([name, typeof (node as Record<string, unknown>)[name]]);
      expect([name, typeof (browser as Record<string, unknown>)[name]]).not.toEqual([name, 'undefined']);
    }
    // The same shared code, imported rather than copied: the operators and reconnect are one.
    expect(browser.ofText).toBe(node.ofText);
    expect(browser.reconnect).toBe(node.reconnect);
    expect(browser.typed).toBe(node.typed);
    // The server is not in the browser entry.
    expect((browser as Record<string, unknown>)['WebSocketServer']).toBeUndefined();
  });

  it('leaves what a browser cannot do out of the types (checked by tsc)', () => {
    // Each line below is a type error, or tsc fails on the unused @ts-expect-error.
    const check = (conn: browser.ClientConnection, options: browser.ClientOptions) => {
      // @ts-expect-error no ping frames from a browser
      void conn.ping;
      // @ts-expect-error no fragmentation control
      void conn.sendStream;
      // @ts-expect-error no terminate without a close frame
      void conn.terminate;
      // @ts-expect-error reading cannot pause
      void conn.pause;
      // @ts-expect-error no handshake headers to show
      void conn.request;
      // @ts-expect-error no custom headers
      void options.headers;
      // @ts-expect-error no tls options (the browser's own)
      void options.tls;
      return [conn, options];
    };
    expect(typeof check).toBe('function');
  });
});

describe('rxws/browser on Node (a WHATWG WebSocket outside a browser)', () => {
  let server: BrowserTestServer;
  beforeEach(async () => {
    server = await startBrowserTestServer();
  });
  afterEach(async () => {
    await server.close();
  });

  const hasGlobal = typeof (globalThis as { WebSocket?: unknown }).WebSocket === 'function';

  it('runs on the ws package\'s class passed as webSocketClass', async () => {
    expect(await runScenario(browser, server.url('ws-class'), { webSocketClass: WebSocket as unknown as browser.WebSocketClass })).toEqual(EXPECTED_RESULT);
  });

  if (hasGlobal) {
    it(`runs on Node ${process.version}'s global WebSocket, with no option`, async () => {
      expect(await runScenario(browser, server.url('global'))).toEqual(EXPECTED_RESULT);
    });
  } else {
    const modern = findModernNode();
    if (modern !== undefined) {
      it(`runs on the global WebSocket of ${modern.version} in a child process (this Node, ${process.version}, has none)`, async () => {
        const out = await runChild(modern.path, server.url('child'));
        expect(out.result).toEqual(EXPECTED_RESULT);
        expect(out.node).toBe(modern.version);
      });
    } else {
      it(`has no global WebSocket on Node ${process.version}: connect() says to pass one (the ws class run above is the check here; set RXWS_NODE22 to a Node ≥ 22 binary to run the global one too)`, () => {
        expect(() => browser.connect(server.url('none'))).toThrow(UsageError);
        expect(() => browser.connect(server.url('none'))).toThrow(/webSocketClass/);
      });
    }
  }

  it('without a global WebSocket and without the option, connect() throws a UsageError', () => {
    const saved = Object.getOwnPropertyDescriptor(globalThis, 'WebSocket');
    delete (globalThis as { WebSocket?: unknown }).WebSocket;
    try {
      expect(() => browser.connect(server.url('none'))).toThrow(expect.objectContaining({ code: 'no_websocket' }));
    } finally {
      if (saved !== undefined) Object.defineProperty(globalThis, 'WebSocket', saved);
    }
  });
});

/** A Node ≥ 22 binary: $RXWS_NODE22, else node22/node24 on PATH; undefined when there is none. */
function findModernNode(): { path: string; version: string } | undefined {
  const candidates = [process.env['RXWS_NODE22'], 'node24', 'node22'].filter((c): c is string => c !== undefined && c !== '');
  for (const candidate of candidates) {
    try {
      const version = execFileSync(candidate, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
      if (Number(/^v(\d+)/.exec(version)?.[1] ?? 0) >= 22) return { path: candidate, version };
    } catch {
      // not there
    }
  }
  return undefined;
}

function runChild(nodePath: string, url: string): Promise<{ node: string; result: ScenarioResult }> {
  return new Promise((resolve, reject) => {
    const child = spawn(nodePath, ['--import', 'tsx', join(__dirname, 'browser/node-scenario-child.ts'), url], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(JSON.parse(stdout.trim().split('\n').pop()!));
      else reject(new Error(`child exited with ${code}: ${stderr}`));
    });
  });
}

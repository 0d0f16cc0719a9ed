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
import { startBrowserTestServer, type BrowserTestServer } from './helpers/browser-test-server';
import { EXPECTED_RESULT, runScenario, type ScenarioResult } from './browser/node-scenario';

const ROOT = join(__dirname, '..');
const KiB = 1024;

/**
 * Size budgets, rxjs left out, minified then gzipped: what a reconnecting app imports
 * (`ReconnectingClient`, `jsonMessages`, `ofText`; bundlers drop the rest), and ceilings for the
 * whole entry (typed() included), so growth is noticed (see docs/how-to/browser.md).
 */
const APP_GZIP_BUDGET_BYTES = 10 * KiB;
const ENTRY_GZIP_CEILING_BYTES = 14 * KiB;
const ENTRY_MINIFIED_CEILING_BYTES = 40 * KiB;
const APP_IMPORT = "export { ReconnectingClient, jsonMessages, ofText } from './src/browser';";

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

function sizes(code: string): { minified: number; gzipped: number; text: string } {
  const minified = Buffer.byteLength(code);
  const gzipped = gzipSync(code, { level: 9 }).length;
  return { minified, gzipped, text: `${minified} B minified (${(minified / KiB).toFixed(1)} KiB), ${gzipped} B minified+gzip (${(gzipped / KiB).toFixed(1)} KiB)` };
}

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
  let app: string;
  const reached: string[] = [];
  const inputs: string[] = [];

  beforeAll(async () => {
    code = await browserBundle({ file: join(ROOT, 'src/browser.ts') }, reached, inputs);
    app = await browserBundle({ source: APP_IMPORT }, reached);
  });

  it('reaches no node: module and no Node built-in', () => {
    expect(reached).toEqual([]);
  });

  it('leaves out what only Node uses: permessage-deflate and the Node option rules (a property read such as Number.MAX_SAFE_INTEGER in a shared rules object keeps them in)', () => {
    expect(inputs.filter((input) => /extensions\/|handshake\/extensions|protocol-connection|socket-transport/.test(input))).toEqual([]);
  });

  it('uses no Node global (Buffer, process, setImmediate, require)', () => {
    for (const bundle of [code, app]) expect(bundle).not.toMatch(/\bBuffer\b|\bprocess\.|\bsetImmediate\b|\brequire\(/);
  });

  it(`a reconnecting app's import stays within ${APP_GZIP_BUDGET_BYTES / KiB} KiB gzipped; the whole entry within its ceilings (reports every size)`, () => {
    const whole = sizes(code);
    const typical = sizes(app);
    console.log(`rxws/browser, rxjs excluded:\n  whole entry: ${whole.text}\n  ${APP_IMPORT.replace(" from './src/browser';", '')}: ${typical.text}`);
    expect(typical.gzipped).toBeLessThanOrEqual(APP_GZIP_BUDGET_BYTES);
    expect(whole.gzipped).toBeLessThanOrEqual(ENTRY_GZIP_CEILING_BYTES);
    expect(whole.minified).toBeLessThanOrEqual(ENTRY_MINIFIED_CEILING_BYTES);
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

// The ES module bundle browser bundlers take for `@rxws/rxws/browser` (scripts/browser-bundle.ts),
// built in memory. Its behaviour in real browsers: spec/browser/real-browsers.spec.ts runs there;
// its size: spec/browser.spec.ts.
import { join, relative } from 'node:path';
import { bundledSources, internalMemberNames } from '../../scripts/browser-bundle';
import { emitDeclarations } from '../../scripts/compile';
import { packageEntries, root } from '../../scripts/package-entries';
import { DEFAULT_CLIENT_OPTIONS } from '../../src/browser/client-options';
import { DEFAULT_RECONNECT_OPTIONS } from '../../src/client/reconnect';
import { DEFAULT_TYPED_OPTIONS } from '../../src/typed/typed';
import { browserEntry, browserEntryBundle } from '../helpers/browser-bundle';

describe('scripts/browser-bundle.ts, the browser entry as one ES module', () => {
  let bundle: string;
  let sources: string[];
  let mangled: Set<string>;

  beforeAll(async () => {
    bundle = await browserEntryBundle();
    sources = await bundledSources(browserEntry());
    mangled = new Set(internalMemberNames(sources));
  }, 120_000);

  it('is an ES module whose only import is rxjs', () => {
    const imports = [...bundle.matchAll(/^import .* from "([^"]+)";$/gm)].map((m) => m[1]);
    expect(new Set(imports)).toEqual(new Set(['rxjs']));
    expect(bundle).toMatch(/^export \{/m);
    expect(bundle).not.toMatch(/\brequire\(|\bmodule\.exports\b/);
  });

  it('is made of the sources the browser entry reaches: no Node-only layer', () => {
    const files = sources.map((file) => relative(root, file));
    expect(files).toEqual(expect.arrayContaining(['src/browser/connect.ts', 'src/rx/message-backlog.ts', 'src/transport/browser-transport.ts']));
    expect(files.filter((file) => /pausable-connection|rx\/connection\.ts|socket-transport|protocol-connection|extensions\//.test(file))).toEqual([]);
  });

  it('shortens internal members: private ones and those marked @internal', () => {
    for (const name of ['transport', 'closeReading', 'liveSubscribers', 'watchBuffer', 'onText', 'subscribeMessages', 'closeMessage']) {
      expect([name, mangled.has(name)]).toEqual([name, true]);
      expect(bundle).not.toMatch(new RegExp(`\\.${name}\\b`));
    }
  });

  it("shortens the members of an internal interface in object literals written for it too (connect()'s plan)", () => {
    for (const name of ['socketUrl', 'socketClass', 'offered']) {
      expect([name, mangled.has(name)]).toEqual([name, true]);
      expect(bundle).not.toMatch(new RegExp(`\\b${name}\\b`));
    }
  });

  it('leaves every name users can reach: the public members, the options, the WebSocket and rxjs members', () => {
    const options = [...Object.keys(DEFAULT_CLIENT_OPTIONS), ...Object.keys(DEFAULT_RECONNECT_OPTIONS), ...Object.keys(DEFAULT_TYPED_OPTIONS)];
    const members = ['messages$', 'sink', 'send', 'close', 'closed$', 'waitForMessage', 'state', 'bufferedAmount', 'drain$', 'errors$', 'localCloseCode', 'url', 'protocol', 'extensions', 'data', 'state$', 'connection$', 'queuedCount', 'failure', 'connection', 'request', 'reply', 'invalid$'];
    const platform = ['readyState', 'binaryType', 'onopen', 'onmessage', 'onclose', 'onerror', 'next', 'error', 'complete', 'closed', 'subscribe', 'unsubscribe', 'pipe', 'push', 'length', 'code', 'reason', 'wasClean', 'type'];
    expect([...options, ...members, ...platform].filter((name) => mangled.has(name))).toEqual([]);
  });

  it('leaves every member name of the published declarations (what stripInternal keeps)', () => {
    const { files } = emitDeclarations(packageEntries());
    const declared = new Set<string>();
    for (const source of sources) {
      const text = files.get(join(root, 'dist/types', relative(join(root, 'src'), source)).replace(/\.ts$/, '.d.ts'));
      if (text === undefined) continue;
      // Members of classes, interfaces and object types: `name:`, `name?:`, `name(`, `get name()`...
      for (const match of text.matchAll(/^\s+(?:(?:readonly|static|abstract|protected|get|set)\s+)*(?!private\b)([A-Za-z_$][\w$]*)\??\s*[(:<]/gm)) declared.add(match[1]!);
    }
    expect(declared.size).toBeGreaterThan(100);
    expect([...declared].filter((name) => mangled.has(name)).sort()).toEqual([]);
  }, 120_000);
});

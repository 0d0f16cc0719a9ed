// Interop (DESIGN habit 6): the ONE scenario table of ./scenarios.ts, run for every pairing of
// PAIRINGS — rxws's server against the clients rxws, ws, undici, Python websockets, Autobahn|Python
// and headless Chromium, and rxws's client against the servers rxws, ws and Python websockets —
// each on ephemeral 127.0.0.1 ports. A scenario a peer cannot express is listed in the table and
// shows here as a skipped test whose title gives the reason. A missing Python module or Chromium
// FAILS the pairing with an install hint; nothing is skipped for a missing dependency.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { makeTestCert } from '../helpers/test-cert';
import { exceptionFor, PAIRINGS, SCENARIOS, type Pairing, type SessionResult, type SessionSpec } from './scenarios';
import { BrowserPeer } from './peers/browser-peer';
import { startRxwsInteropServer, startWsInteropServer, type InteropServer } from './peers/interop-server';
import { runRxws, runUndici, runWs, type ClientRunner } from './peers/node-clients';
import { PythonClientPeer, requirePythonModule } from './peers/python-peer';
import { startPythonInteropServer } from './peers/python-server';

const cert = makeTestCert();
const dir = mkdtempSync(path.join(tmpdir(), 'rxws-interop-'));
const certFile = path.join(dir, 'cert.pem');
const keyFile = path.join(dir, 'key.pem');
writeFileSync(certFile, cert.cert);
writeFileSync(keyFile, cert.key);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CLIENT_PY = path.join(__dirname, 'peers', 'python-client-peer.py');

/** A started client peer: how it runs a session, and how it is stopped. */
interface ClientPeer {
  run(url: string, spec: SessionSpec, timeoutMs: number): Promise<SessionResult>;
  stop(): Promise<void>;
}

function nodeClient(runner: ClientRunner): ClientPeer {
  return { run: (url, spec) => runner(url, spec, cert.cert), stop: async () => undefined };
}

async function startClient(name: string): Promise<ClientPeer> {
  switch (name) {
    case 'rxws':
      return nodeClient(runRxws);
    case 'ws':
      return nodeClient(runWs);
    case 'undici':
      return nodeClient(runUndici);
    case 'python-websockets':
    case 'autobahn': {
      const library = name === 'autobahn' ? 'autobahn' : 'websockets';
      requirePythonModule(library, name === 'autobahn' ? 'python3-autobahn' : 'python3-websockets');
      const peer = await PythonClientPeer.start(CLIENT_PY, library);
      return { run: (url, spec, timeoutMs) => peer.run(url, spec, certFile, timeoutMs), stop: () => peer.stop() };
    }
    case 'chromium': {
      const browser = await BrowserPeer.start();
      return {
        run: async (url, spec) => {
          const result = await browser.run(url, spec);
          expect(browser.errors).toEqual([]);
          return result;
        },
        stop: () => browser.stop(),
      };
    }
    default:
      throw new Error(`no client peer named ${name}`);
  }
}

async function startServer(name: string): Promise<InteropServer> {
  switch (name) {
    case 'rxws':
      return startRxwsInteropServer(cert);
    case 'ws':
      return startWsInteropServer(cert);
    case 'python-websockets':
      requirePythonModule('websockets', 'python3-websockets');
      return startPythonInteropServer(certFile, keyFile);
    default:
      throw new Error(`no server peer named ${name}`);
  }
}

let sessions = 0;

describe.each(PAIRINGS.map((p): [string, Pairing] => [`${p.client} client ⇄ ${p.server} server`, p]))('interop: %s', (_title, pairing) => {
  let server: InteropServer | undefined;
  let client: ClientPeer | undefined;

  beforeAll(async () => {
    server = await startServer(pairing.server);
    client = await startClient(pairing.client);
  }, 60_000);

  afterAll(async () => {
    await client?.stop();
    await server?.close();
  }, 20_000);

  // Scenarios this peer cannot express, or that another spec covers, are declared in the table and
  // checked here, so none is dropped silently or by a misspelt name.
  const declared = Object.entries(pairing.exceptions ?? {});
  if (declared.length > 0) {
    const summary = declared.map(([name, e]) => `${name} (${'unsupported' in e ? 'cannot' : 'covered elsewhere'})`).join('; ');
    it(`declares what it does not run here: ${summary}`, () => {
      for (const [name, exception] of declared) {
        // An entry names a scenario, or a family of them by prefix (exceptionFor's rule).
        const matches = SCENARIOS.filter((scenario) => exceptionFor({ ...pairing, exceptions: { [name]: exception } }, scenario) !== undefined);
        expect({ name, matches: matches.length > 0 }).toEqual({ name, matches: true });
        if ('unsupported' in exception) expect(exception.unsupported.length).toBeGreaterThan(10);
        else expect(existsSync(path.join(__dirname, '../..', exception.coveredBy))).toBe(true);
      }
    });
  }

  for (const scenario of SCENARIOS) {
    if (exceptionFor(pairing, scenario) !== undefined) continue;
    const timeoutMs = scenario.timeoutMs ?? 20_000;
    it(scenario.name, async () => {
      if (server === undefined || client === undefined) throw new Error('the pairing did not start (see beforeAll)');
      const id = `s${++sessions}`;
      const base = scenario.session.secure === true ? server.secureUrl : server.url;
      const separator = scenario.session.path.includes('?') ? '&' : '?';
      const url = `${base}${scenario.session.path}${separator}id=${id}`;
      const result = await client.run(url, scenario.session, timeoutMs - 2000);
      const record = await server.closedRecord(id, 5000);
      scenario.check(result, record);
    }, timeoutMs);
  }
});

// Headless Chromium as an interop client peer: a local http server serves browser-page.html, and
// each session runs in that page with the browser's own WebSocket (page.evaluate), reporting a
// SessionResult back. Needs Debian's chromium and the npm package playwright-core: missing
// either FAILS with an install hint.
import { existsSync, readFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import type { SessionResult, SessionSpec } from '../scenarios';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export class BrowserPeer {
  private constructor(
    private readonly browser: Browser,
    private readonly context: BrowserContext,
    private readonly page: Page,
    private readonly server: http.Server,
    readonly version: string,
    readonly errors: string[],
  ) {}

  static async start(): Promise<BrowserPeer> {
    if (!existsSync(CHROMIUM)) throw new Error(`the browser interop peer needs ${CHROMIUM}. Install it with: apt-get install -y chromium`);
    const files: Record<string, [string, string]> = {
      '/': ['browser-page.html', 'text/html; charset=utf-8'],
      '/browser-page.js': ['browser-page.js', 'text/javascript; charset=utf-8'],
    };
    const server = http.createServer((request, response) => {
      const file = files[request.url ?? ''];
      if (file === undefined) return void response.writeHead(404).end();
      response.writeHead(200, { 'content-type': file[1] }).end(readFileSync(path.join(__dirname, file[0])));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    let browser: Browser | undefined;
    try {
      browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: 30_000 });
      // The test certificate is self-signed: let this context trust it for wss:// too.
      const context = await browser.newContext({ ignoreHTTPSErrors: true });
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(String(error)));
      await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
      return new BrowserPeer(browser, context, page, server, browser.version(), errors);
    } catch (error) {
      await browser?.close();
      server.close();
      throw error;
    }
  }

  run(url: string, spec: SessionSpec): Promise<SessionResult> {
    return this.page.evaluate(
      ({ url: target, spec: session }) => (globalThis as unknown as { runSession(u: string, s: SessionSpec): Promise<SessionResult> }).runSession(target, session),
      { url, spec },
    );
  }

  async stop(): Promise<void> {
    await this.context.close().catch(() => undefined);
    await this.browser.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

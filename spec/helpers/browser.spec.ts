import { mkdir, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { ChromiumMissingError, findChromium, launchBrowser, type LaunchedBrowser } from './browser';

const SCREENSHOTS = join(__dirname, '..', '..', '.tmp', 'screenshots');

describe('browser helper (Debian Chromium through playwright-core)', () => {
  let server: Server;
  let baseUrl: string;
  let launched: LaunchedBrowser | undefined;

  beforeAll(async () => {
    server = createServer((request, response) => {
      if (request.url !== '/') {
        response.writeHead(404).end();
        return;
      }
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end('<!doctype html><title>rxws browser check</title><h1 style="font-family:sans-serif">hello from node</h1>');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });

  afterAll(async () => {
    await launched?.dispose();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('finds an executable Chromium', () => {
    expect(findChromium()).toMatch(/chromium$/);
  });

  it('explains clearly what to install when Chromium is missing', () => {
    const error = new ChromiumMissingError('nothing on PATH');
    expect(error.message).toContain('apt-get install');
    expect(error.message).toContain('fail rather than skip');
  });

  it('loads a page from a local http server, reads its title and takes a screenshot', async () => {
    launched = await launchBrowser();
    const page = await launched.browser.newPage();
    await page.goto(baseUrl);
    expect(await page.title()).toBe('rxws browser check');
    await mkdir(SCREENSHOTS, { recursive: true });
    const file = join(SCREENSHOTS, 'browser-helper.png');
    await page.screenshot({ path: file });
    expect((await stat(file)).size).toBeGreaterThan(1000);
    await page.close();
  });

  it('dispose is idempotent', async () => {
    launched ??= await launchBrowser();
    await launched.dispose();
    await launched.dispose();
    expect(launched.browser.isConnected()).toBe(false);
  });
});

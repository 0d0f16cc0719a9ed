import { execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/**
 * Real-browser tests drive Debian's Chromium (the `chromium` apt package that .ci/run installs)
 * through playwright-core, which ships no browser of its own. There is no download step: the
 * machine reaches no browser CDN.
 *
 * User data: `chromium.launch()` refuses a `--user-data-dir` argument (it points you at
 * `launchPersistentContext`) because it always makes its own fresh profile,
 * `$TMPDIR/playwright_chromiumdev_profile-XXXXXX`, and deletes it when the browser closes. So every
 * launch already gets a fresh temporary user data dir; we rely on that instead of passing one.
 */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox', // we run as root in CI, where Chromium's sandbox cannot start
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface LaunchedBrowser {
  browser: Browser;
  /** Closes the browser (every page and context with it); safe to call more than once. */
  dispose: () => Promise<void>;
}

/** Thrown when no Chromium can be found: browser tests must fail, never skip (CI installs it). */
export class ChromiumMissingError extends Error {
  constructor(detail: string) {
    super(
      `Chromium is required by the browser tests but was not found (${detail}). ` +
        'Install it with `apt-get install -y --no-install-recommends chromium` (as .ci/run does). ' +
        'These tests fail rather than skip when a peer is missing.',
    );
    this.name = 'ChromiumMissingError';
  }
}

/** The `chromium` on PATH (`command -v chromium`), else /usr/bin/chromium; throws if neither runs. */
export function findChromium(): string {
  let onPath = '';
  try {
    onPath = execFileSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    // not on PATH: try the fixed location below
  }
  for (const candidate of [onPath, '/usr/bin/chromium']) {
    if (candidate === '') continue;
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not there or not executable
    }
  }
  throw new ChromiumMissingError('`command -v chromium` found nothing and /usr/bin/chromium is not executable');
}

/** Launches headless Chromium; pair every call with `dispose()` (in `afterAll`/`finally`). */
export async function launchBrowser(): Promise<LaunchedBrowser> {
  const executablePath = findChromium();
  let browser: Browser;
  try {
    browser = await chromium.launch({ executablePath, args: [...CHROMIUM_ARGS], headless: true, timeout: 30_000 });
  } catch (error) {
    throw new Error(`could not launch Chromium at ${executablePath}: ${(error as Error).message}`);
  }
  let disposed: Promise<void> | undefined;
  return {
    browser,
    dispose: () => (disposed ??= browser.close()),
  };
}

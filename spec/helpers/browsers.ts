import { accessSync, constants } from 'node:fs';
import puppeteer from 'puppeteer-core';
import { launchBrowser } from './browser';

/**
 * The real browsers the browser entry is tested in, behind one small interface so a scenario is
 * written once: Debian's Chromium through playwright-core (see ./browser.ts) and Debian's
 * Firefox ESR through puppeteer-core over WebDriver BiDi. Neither is downloaded: both are the
 * distribution's packages (.ci/run installs them), and a missing one fails the tests.
 */
export interface BrowserPage {
  /** Runs `fn(arg)` in the page and resolves with its (JSON-serialisable) result. */
  evaluate<A, R>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R>;
  /** Errors the page threw or logged with console.error. */
  readonly errors: string[];
  close(): Promise<void>;
}

export interface BrowserDriver {
  readonly name: 'chromium' | 'firefox';
  newPage(url: string): Promise<BrowserPage>;
  /** Closes the browser; safe to call more than once. */
  dispose(): Promise<void>;
}

/** The Firefox ESR binary Debian's `firefox-esr` package installs. */
export const FIREFOX_PATH = '/usr/bin/firefox-esr';

/** Thrown when Firefox ESR is missing: browser tests fail, never skip. */
export class FirefoxMissingError extends Error {
  constructor() {
    super(
      `Firefox ESR is required by the browser tests but ${FIREFOX_PATH} is not executable. ` +
        'Install it with `apt-get install -y --no-install-recommends firefox-esr` (as .ci/run does).',
    );
    this.name = 'FirefoxMissingError';
  }
}

export async function launchChromium(): Promise<BrowserDriver> {
  const launched = await launchBrowser();
  const context = await launched.browser.newContext();
  return {
    name: 'chromium',
    async newPage(url) {
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(message.text());
      });
      await page.goto(url);
      return {
        errors,
        evaluate: (fn, arg) => evaluateAsJson((f, a) => (page.evaluate as (f: unknown, a: unknown) => Promise<string>)(f, a), fn, arg),
        close: () => page.close(),
      };
    },
    dispose: () => launched.dispose(),
  };
}

export async function launchFirefox(): Promise<BrowserDriver> {
  try {
    accessSync(FIREFOX_PATH, constants.X_OK);
  } catch {
    throw new FirefoxMissingError();
  }
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX_PATH,
    protocol: 'webDriverBiDi',
    headless: true,
    timeout: 60_000,
  });
  let disposed: Promise<void> | undefined;
  return {
    name: 'firefox',
    async newPage(url) {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(String((error as Error).message ?? error)));
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(message.text());
      });
      await page.goto(url);
      return {
        errors,
        evaluate: (fn, arg) => evaluateAsJson((f, a) => (page.evaluate as (f: unknown, a: unknown) => Promise<string>)(f, a), fn, arg),
        close: () => page.close(),
      };
    },
    dispose: () => (disposed ??= browser.close()),
  };
}

/**
 * Runs `fn(arg)` in the page and brings its result back through JSON, the same way in both
 * drivers (their own serialisations differ: WebDriver BiDi sends an object seen twice in one
 * result as a reference, which arrives as undefined).
 */
async function evaluateAsJson<A, R>(
  evaluate: (f: (input: { source: string; arg: A }) => Promise<string>, input: { source: string; arg: A }) => Promise<string>,
  fn: (arg: A) => R | Promise<R>,
  arg: A,
): Promise<R> {
  const json = await evaluate(
    async ({ source, arg: value }) => {
      const run = (0, eval)(`(${source})`) as (a: A) => unknown;
      const result = await run(value);
      return JSON.stringify(result === undefined ? null : result);
    },
    { source: fn.toString(), arg },
  );
  return JSON.parse(json) as R;
}

/** Console errors a browser logs by itself for a WebSocket that could not connect: expected in
 *  the scenarios that stop the server on purpose. */
export const CONNECTION_FAILURE_LOG = /can.t establish a connection to the server at ws:|WebSocket connection to '.*' failed/;

/** Launches the named browser. */
export function launch(name: 'chromium' | 'firefox'): Promise<BrowserDriver> {
  return name === 'chromium' ? launchChromium() : launchFirefox();
}

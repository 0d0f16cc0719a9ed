// The chat page (examples/chat-client.html, on rxws/browser) end to end in Firefox ESR, driven
// by puppeteer-core over WebDriver BiDi: two tabs talk through the broadcast server, and a tab
// reconnects after the server restarts. (Chromium: chat-page.spec.ts.) Fails if Firefox is missing.
import { PassThrough } from 'node:stream';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { startBroadcastServer, type BroadcastServer } from '../../examples/broadcast-server';
import { FIREFOX_PATH, FirefoxMissingError } from '../helpers/browsers';
import { accessSync, constants } from 'node:fs';

jest.setTimeout(120_000);
const WAIT = { timeout: 15_000 };

describe('examples/chat-client.html in Firefox ESR', () => {
  let chat: BroadcastServer;
  let commands: PassThrough;
  let browser: Browser;
  const errors: string[] = [];

  beforeAll(async () => {
    try {
      accessSync(FIREFOX_PATH, constants.X_OK);
    } catch {
      throw new FirefoxMissingError();
    }
    commands = new PassThrough();
    chat = await startBroadcastServer({ port: 0, host: '127.0.0.1', input: commands });
    browser = await puppeteer.launch({ browser: 'firefox', executablePath: FIREFOX_PATH, protocol: 'webDriverBiDi', headless: true, timeout: 60_000 });
  });

  afterAll(async () => {
    await browser?.close();
    await chat?.close();
    commands?.end();
  });

  async function openTab(): Promise<Page> {
    const page = await browser.newPage();
    page.on('pageerror', (error) => errors.push(String((error as Error).message ?? error)));
    await page.goto(chat.url);
    await page.waitForSelector('#status[data-state="open"]', WAIT);
    await textIn(page, '#me', 'you are guest-');
    return page;
  }

  // Page functions run in Firefox; there is no DOM lib here, so the page's globals are untyped.
  /** Waits until the element's text contains `text`. */
  const textIn = (page: Page, selector: string, text: string) =>
    page.waitForFunction((s: string, t: string) => ((globalThis as any).document.querySelector(s)?.textContent ?? '').includes(t), WAIT, selector, text);
  /** Waits for a log line of the given class that contains `text`. */
  const logLine = (page: Page, kind: string, text: string) =>
    page.waitForFunction(
      (k: string, t: string) => [...(globalThis as any).document.querySelectorAll(`#log li.msg.${k}`)].some((li: any) => (li.textContent ?? '').includes(t)),
      WAIT,
      kind,
      text,
    );
  const say = async (page: Page, text: string) => {
    await page.type('#input', text);
    await page.keyboard.press('Enter');
  };

  it('two tabs: names, chat lines both ways, rooms, a server notice and a leave', async () => {
    const alice = await openTab();
    const bob = await openTab();
    await logLine(alice, 'join', 'joined');
    await textIn(alice, '#online', '2 online');
    await say(alice, 'call me Alice');
    await logLine(bob, 'rename', 'is now Alice');
    await say(alice, 'hello from firefox');
    await logLine(bob, 'chat', 'hello from firefox');
    await say(bob, 'call me Bob');
    await say(bob, 'hi Alice');
    await logLine(alice, 'chat', 'hi Alice');
    // Rooms: Alice goes to #games; Bob, left in the lobby, no longer hears her.
    await say(alice, 'join games');
    await textIn(alice, '#room', '#games');
    await textIn(alice, '#online', '1 online');
    await textIn(bob, '#online', '1 online');
    await say(alice, 'only for games');
    await logLine(alice, 'chat', 'only for games');
    await say(bob, 'join games');
    await textIn(alice, '#online', '2 online');
    await logLine(bob, 'chat', 'hello from firefox'); // still on Bob's screen from before
    await say(bob, 'hi in games');
    await logLine(alice, 'chat', 'hi in games');
    expect(await bob.evaluate(() => [...(globalThis as any).document.querySelectorAll('#log li.msg.chat')].some((li: any) => li.textContent.includes('only for games')))).toBe(false);
    commands.write('send maintenance at noon\n');
    await logLine(alice, 'notice', 'maintenance at noon');
    await logLine(bob, 'notice', 'maintenance at noon');
    await bob.close();
    await logLine(alice, 'leave', 'Bob left');
    await textIn(alice, '#online', '1 online');
    await alice.close();
    expect(errors).toEqual([]);
  });

  it('reconnects on its own after the server restarts, and takes its name and room back', async () => {
    const page = await openTab();
    await say(page, 'call me Carol');
    await textIn(page, '#me', 'you are Carol');
    await say(page, 'join quiet');
    await textIn(page, '#room', '#quiet');
    const port = chat.port;
    await chat.close();
    await page.waitForSelector('#status[data-state="reconnecting"]', WAIT);
    expect(await page.$eval('#send', (button) => (button as unknown as { disabled: boolean }).disabled)).toBe(true);
    chat = await startBroadcastServer({ port, host: '127.0.0.1', input: commands });
    await page.waitForSelector('#status[data-state="open"]', { timeout: 30_000 });
    await textIn(page, '#me', 'you are Carol');
    await textIn(page, '#room', '#quiet');
    await page.close();
    expect(errors.filter((e) => !/can.t establish a connection/.test(e))).toEqual([]);
  });
});

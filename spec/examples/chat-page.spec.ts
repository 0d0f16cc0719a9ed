import { existsSync } from 'node:fs';
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { BrowserContext, Page } from 'playwright-core';
import { startBroadcastServer, type BroadcastServer } from '../../examples/broadcast-server';
import { launchBrowser, type LaunchedBrowser } from '../helpers/browser';

// The browser page of the broadcast example, in real headless Chromium: two tabs of the same
// page talk to each other through the rxws server.
const ROOT = join(__dirname, '..', '..');
const WAIT = { timeout: 10_000 };

describe('examples/chat-client.html in Chromium', () => {
  let chat: BroadcastServer;
  let commands: PassThrough;
  let launched: LaunchedBrowser;
  let context: BrowserContext;

  beforeAll(async () => {
    commands = new PassThrough();
    chat = await startBroadcastServer({ port: 0, host: '127.0.0.1', input: commands });
    launched = await launchBrowser();
    context = await launched.browser.newContext({ viewport: { width: 900, height: 640 }, colorScheme: 'light' });
  });

  afterAll(async () => {
    await launched?.dispose();
    await chat?.close();
    commands?.end();
  });

  async function openTab(): Promise<Page> {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    (page as Page & { errors?: string[] }).errors = errors;
    await page.goto(chat.url);
    await page.locator('#status[data-state="open"]').waitFor(WAIT);
    await page.locator('#me', { hasText: 'you are guest-' }).waitFor(WAIT);
    return page;
  }

  const say = async (page: Page, text: string) => {
    await page.locator('#input').fill(text);
    await page.locator('#input').press('Enter');
  };
  const chatLine = (page: Page, from: string, text: string) =>
    page.locator('#log li.msg.chat', { hasText: text }).filter({ has: page.locator('.from', { hasText: from }) });
  const eventLine = (page: Page, kind: string, text: string) => page.locator(`#log li.msg.event.${kind}`, { hasText: text });

  it('shows one tab what the other says, renames, server notices and leaves', async () => {
    const alice = await openTab();
    const bob = await openTab();
    expect(await alice.locator('#me').textContent()).toBe('you are guest-1');
    expect(await bob.locator('#me').textContent()).toBe('you are guest-2');
    await eventLine(alice, 'join', 'guest-2 joined').waitFor(WAIT);
    await alice.locator('#online', { hasText: '2 online' }).waitFor(WAIT);

    // Alice takes a name, then both talk; each sees the other's line with the sender's name.
    await say(alice, 'call me Alice');
    await eventLine(bob, 'rename', 'guest-1 is now Alice').waitFor(WAIT);
    await alice.locator('#me', { hasText: 'you are Alice' }).waitFor(WAIT);
    await say(alice, 'hello from the first tab');
    await chatLine(bob, 'Alice', 'hello from the first tab').waitFor(WAIT);
    await say(bob, 'call me Bob');
    await eventLine(alice, 'rename', 'guest-2 is now Bob').waitFor(WAIT);
    await say(bob, 'hi Alice, Bob here');
    await chatLine(alice, 'Bob', 'hi Alice, Bob here').waitFor(WAIT);
    // The sender sees its own line marked as its own; Enter cleared the input.
    await bob.locator('#log li.msg.chat.mine', { hasText: 'hi Alice, Bob here' }).waitFor(WAIT);
    expect(await bob.locator('#input').inputValue()).toBe('');

    // A name that is taken is refused to the asker only.
    await say(bob, 'call me alice');
    await eventLine(bob, 'notice', 'the name alice is taken').waitFor(WAIT);
    expect(await eventLine(alice, 'notice', 'is taken').count()).toBe(0);

    // `send <text>` on the server's stdin reaches every tab as a notice.
    commands.write('send Welcome to the rxws demo room\n');
    await eventLine(alice, 'notice', 'Welcome to the rxws demo room').waitFor(WAIT);
    await eventLine(bob, 'notice', 'Welcome to the rxws demo room').waitFor(WAIT);

    // Closing a tab closes its socket: the other tab sees the leave notice.
    await bob.close();
    await eventLine(alice, 'leave', 'Bob left').waitFor(WAIT);
    await alice.locator('#online', { hasText: '1 online' }).waitFor(WAIT);

    await mkdir(join(ROOT, '.tmp', 'screenshots'), { recursive: true });
    await mkdir(join(ROOT, 'docs', 'images'), { recursive: true });
    const shot = join(ROOT, '.tmp', 'screenshots', 'chat-page.png');
    await alice.screenshot({ path: shot });
    // The committed copy in docs/ is refreshed on request only, so a test run leaves the work
    // tree clean: UPDATE_SCREENSHOTS=1 npx jest spec/examples/chat-page
    const documented = join(ROOT, 'docs', 'images', 'chat-page.png');
    if (process.env['UPDATE_SCREENSHOTS'] === '1' || !existsSync(documented)) await copyFile(shot, documented);

    // Peer text is shown as text, never parsed as HTML.
    await say(alice, '<img src=x onerror=alert(1)> <b>not bold</b>');
    await chatLine(alice, 'Alice', '<b>not bold</b>').waitFor(WAIT);
    expect(await alice.locator('#log img, #log b').count()).toBe(0);

    expect((alice as Page & { errors?: string[] }).errors).toEqual([]);
    await alice.close();
  });

  it('rooms: `join <room>` moves a tab; the header shows the room and who is in it; lines stay in their room', async () => {
    const ann = await openTab();
    const ben = await openTab();
    await ann.locator('#room', { hasText: '#lobby' }).waitFor(WAIT);
    await ann.locator('#online', { hasText: '2 online' }).waitFor(WAIT);
    const benName = (await ben.locator('#me').textContent())!.replace('you are ', '');

    await say(ann, 'join games');
    await eventLine(ann, 'room', 'you are now in #games').waitFor(WAIT);
    await ann.locator('#room', { hasText: '#games' }).waitFor(WAIT);
    await ann.locator('#online', { hasText: '1 online' }).waitFor(WAIT);
    await ben.locator('#online', { hasText: '1 online' }).waitFor(WAIT);

    await say(ben, 'only the lobby hears this');
    await say(ben, 'join games');
    await ben.locator('#room', { hasText: '#games' }).waitFor(WAIT);
    // Ann saw Ben join the lobby earlier; this is his join to #games.
    await eventLine(ann, 'join', `${benName} joined`).nth(1).waitFor(WAIT);
    await ann.locator('#online', { hasText: '2 online' }).waitFor(WAIT);
    await say(ben, 'hello games');
    await chatLine(ann, benName, 'hello games').waitFor(WAIT);
    expect(await ann.locator('#log li.msg.chat', { hasText: 'only the lobby hears this' }).count()).toBe(0);
    expect((ann as Page & { errors?: string[] }).errors).toEqual([]);
    await ann.close();
    await ben.close();
  });

  it('shows "reconnecting in Ns" when the server goes away (1001), then reconnects on its own', async () => {
    const page = await openTab();
    await say(page, 'call me Carol');
    await page.locator('#me', { hasText: 'you are Carol' }).waitFor(WAIT);
    await say(page, 'join attic');
    await page.locator('#room', { hasText: '#attic' }).waitFor(WAIT);
    const port = chat.port;
    // The first retry may come within milliseconds (full jitter), so the page records every status
    // it shows, with the Send button's state at that moment, instead of the test trying to catch
    // a short-lived one.
    await page.evaluate(`(() => {
      window.statusLog = [];
      const status = document.getElementById('status');
      const record = () => window.statusLog.push({
        state: status.dataset.state,
        text: document.getElementById('status-text').textContent,
        sendDisabled: document.getElementById('send').disabled,
      });
      new MutationObserver(record).observe(status, { attributes: true, childList: true, characterData: true, subtree: true });
    })()`);
    await chat.close();
    await page.locator('#status[data-state="reconnecting"]').waitFor(WAIT);
    const shown = await page.evaluate<Array<{ state: string; text: string; sendDisabled: boolean }>>('window.statusLog');
    expect(shown).toContainEqual({ state: 'reconnecting', text: expect.stringMatching(/^reconnecting in \d+s$/), sendDisabled: true });

    // The server comes back on the same port: the page's backoff finds it without a reload, and
    // the page takes back the name it had chosen.
    chat = await startBroadcastServer({ port, host: '127.0.0.1', input: commands });
    await page.locator('#status[data-state="open"]').waitFor({ timeout: 20_000 });
    await eventLine(page, 'rename', 'guest-1 is now Carol').waitFor(WAIT);
    await page.locator('#me', { hasText: 'you are Carol' }).waitFor(WAIT);
    // ...and the room it was in.
    await page.locator('#room', { hasText: '#attic' }).waitFor(WAIT);
    await page.close();
  });
});

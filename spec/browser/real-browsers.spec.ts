// The browser entry (`@rxws/rxws/browser`) in real browsers: Debian's Chromium (playwright-core)
// and Firefox ESR (puppeteer-core over WebDriver BiDi), each talking to an rxws server on
// 127.0.0.1. Scenarios run inside the page with the entry on `globalThis.rxws`, as browser
// bundlers get it (its ES module bundle, internal names shortened: scripts/browser-bundle.ts);
// the assertions run here. A missing browser fails these tests (see spec/helpers/browsers.ts).
import { bundleForTestPage, serveTestPage, type TestPageServer } from '../helpers/browser-bundle';
import { startBrowserTestServer, type BrowserTestServer, type SeenClient } from '../helpers/browser-test-server';
import { CONNECTION_FAILURE_LOG, launch, type BrowserDriver, type BrowserPage } from '../helpers/browsers';

jest.setTimeout(120_000);

const MiB = 1024 * 1024;

// Page functions run in the browser: they may use nothing from this file, only the bundle's
// globals (`globalThis.rxws`, `globalThis.rxjs`), untyped here (there is no DOM lib).

describe.each(['chromium', 'firefox'] as const)('rxws/browser in %s', (browserName) => {
  let driver: BrowserDriver;
  let pageServer: TestPageServer;
  let server: BrowserTestServer;
  let seen: Map<string, SeenClient>;
  let page: BrowserPage;

  beforeAll(async () => {
    pageServer = await serveTestPage(await bundleForTestPage());
    driver = await launch(browserName);
  });

  afterAll(async () => {
    await driver?.dispose();
    await pageServer?.close();
  });

  beforeEach(async () => {
    seen = new Map();
    server = await startBrowserTestServer(0, seen);
    page = await driver.newPage(pageServer.url);
    await page.evaluate(() => new Promise<void>((resolve) => {
      const wait = () => ((globalThis as any).rxws !== undefined ? resolve() : setTimeout(wait, 10));
      wait();
    }), undefined);
  });

  afterEach(async () => {
    const errors = page.errors.filter((text) => !CONNECTION_FAILURE_LOG.test(text));
    await page.close();
    await server.close();
    expect(errors).toEqual([]);
  });

  it('echoes text and binary; binary arrives as a Uint8Array; messages$ ends with the close message and completes', async () => {
    const result = await page.evaluate(async (url) => {
      const { rxws, rxjs } = (globalThis as any);
      const conn = await rxws.openConnection(url);
      const all: any[] = [];
      let completed = false;
      conn.messages$.subscribe({ next: (m: any) => all.push(m), complete: () => (completed = true) });
      conn.sink.next('héllo ✓ 🌍');
      conn.sink.next(new Uint8Array([0, 1, 2, 255]));
      await rxjs.firstValueFrom(conn.messages$.pipe(rxjs.filter((m: any) => m.type === 'binary')));
      const close = await conn.close(1000, 'done');
      return {
        types: all.map((m) => m.type),
        text: all[0].data,
        binaryIsUint8Array: all[1].data instanceof Uint8Array,
        binary: Array.from(all[1].data as Uint8Array),
        last: all[all.length - 1],
        close,
        completed,
        state: conn.state,
        localCloseCode: conn.localCloseCode,
      };
    }, server.url('echo'));
    expect(result.types).toEqual(['text', 'binary', 'close']);
    expect(result.text).toBe('héllo ✓ 🌍');
    expect(result.binaryIsUint8Array).toBe(true);
    expect(result.binary).toEqual([0, 1, 2, 255]);
    // The server's answer echoes our code without a reason (RFC 6455 §5.5.1).
    expect(result.last).toEqual({ type: 'close', code: 1000, reason: '', wasClean: true });
    expect(result.close).toEqual(result.last);
    expect(result.completed).toBe(true);
    expect(result.state).toBe('closed');
    expect(result.localCloseCode).toBe(1000);
    expect(await server.closed('echo')).toEqual([{ code: 1000, reason: 'done', wasClean: true }]);
  });

  it('echoes a 1 MiB binary and a 1 MiB text message intact', async () => {
    const result = await page.evaluate(async ({ url, size }) => {
      const { rxws } = (globalThis as any);
      const conn = await rxws.openConnection(url);
      const bytes = new Uint8Array(size);
      for (let i = 0; i < size; i++) bytes[i] = (i * 31 + 7) & 0xff;
      const text = 'abcdefghijklmnopqrstuvwxyz012345'.repeat(size / 32);
      conn.sink.next(bytes);
      const binary = (await conn.waitForMessage('binary', { timeoutMs: 20_000 })).data as Uint8Array;
      conn.sink.next(text);
      const echoed = (await conn.waitForMessage('text', { timeoutMs: 20_000 })).data as string;
      let same = binary.length === size;
      for (let i = 0; same && i < size; i++) same = binary[i] === bytes[i];
      await conn.close();
      return { binaryLength: binary.length, binarySame: same, textLength: echoed.length, textSame: echoed === text };
    }, { url: server.url('big'), size: MiB });
    expect(result).toEqual({ binaryLength: MiB, binarySame: true, textLength: MiB, textSame: true });
  });

  it('keeps 1,000 messages in order, both ways', async () => {
    const result = await page.evaluate(async ({ url, count }) => {
      const { rxws, rxjs } = (globalThis as any);
      const conn = await rxws.openConnection(url);
      const echoes = rxjs.firstValueFrom(conn.messages$.pipe(rxws.ofText(), rxjs.take(count), rxjs.toArray()));
      for (let i = 0; i < count; i++) conn.sink.next(`c${i}`);
      const back: string[] = await echoes;
      const burst = rxjs.firstValueFrom(conn.messages$.pipe(rxws.ofText(), rxjs.take(count), rxjs.toArray()));
      conn.sink.next(`!burst ${count}`);
      const pushed: string[] = await burst;
      await conn.close();
      return {
        echoedInOrder: back.every((text, i) => text === `c${i}`) && back.length === count,
        pushedInOrder: pushed.every((text, i) => text === `m${i}`) && pushed.length === count,
      };
    }, { url: server.url('order'), count: 1000 });
    expect(result).toEqual({ echoedInOrder: true, pushedInOrder: true });
    const texts = server.seen('order').texts.filter((t) => !t.startsWith('!'));
    expect(texts).toEqual(Array.from({ length: 1000 }, (_, i) => `c${i}`));
  });

  it('close codes both ways: ours reach the server, the server\'s reach messages$, and what a browser cannot send throws', async () => {
    const result = await page.evaluate(async (urls: string[]) => {
      const { rxws, rxjs } = (globalThis as any);
      const ours = await rxws.openConnection(urls[0]);
      const oursClose = await ours.close(4001, 'bye');

      const theirs = await rxws.openConnection(urls[1]);
      const theirsAll = rxjs.firstValueFrom(theirs.messages$.pipe(rxjs.toArray()));
      theirs.sink.next('!close 4002 see you later');
      const theirsMessages = await theirsAll;

      const misuse = await rxws.openConnection(urls[2]);
      const thrown: string[] = [];
      for (const [code, reason] of [[1001, ''], [1011, ''], [999, ''], [1000, 'x'.repeat(124)]] as Array<[number, string]>) {
        try {
          misuse.close(code, reason);
          thrown.push('nothing');
        } catch (error: any) {
          thrown.push(`${error.name}:${error.code}`);
        }
      }
      const stillOpen = misuse.state;
      // sink.error(): a browser cannot send 1011, so 1000 goes out with the reason; the close is
      // reported with the code rxws meant.
      misuse.sink.error(new Error('boom'));
      const errorClose = await rxjs.firstValueFrom(misuse.closed$);

      const dropped = await rxws.openConnection(urls[3]);
      dropped.sink.next('!drop');
      const dropClose = await rxjs.firstValueFrom(dropped.closed$);
      return {
        oursClose,
        theirsMessages,
        thrown,
        stillOpen,
        errorClose,
        errorLocal: misuse.localCloseCode,
        dropClose,
        theirsLocal: theirs.localCloseCode ?? null,
      };
    }, [server.url('ours'), server.url('theirs'), server.url('misuse'), server.url('dropped')]);
    expect(result.oursClose).toEqual({ type: 'close', code: 4001, reason: '', wasClean: true });
    expect(await server.closed('ours')).toEqual([{ code: 4001, reason: 'bye', wasClean: true }]);
    expect(result.theirsMessages).toEqual([{ type: 'close', code: 4002, reason: 'see you later', wasClean: true }]);
    expect(result.theirsLocal).toBeNull();
    expect(result.thrown).toEqual(['UsageError:invalid_close_code', 'UsageError:invalid_close_code', 'UsageError:invalid_close_code', 'UsageError:close_reason_too_long']);
    expect(result.stillOpen).toBe('open');
    expect(await server.closed('misuse')).toEqual([{ code: 1000, reason: 'internal error', wasClean: true }]);
    expect(result.errorClose).toMatchObject({ type: 'close', code: 1011 });
    expect(result.errorLocal).toBe(1011);
    expect(result.dropClose).toEqual({ type: 'close', code: 1006, reason: '', wasClean: false });
  });

  it('send() resolves once bufferedAmount is back to 0, and the outbound cap applies its policy', async () => {
    const result = await page.evaluate(async ({ url, size }) => {
      const { rxws, rxjs } = (globalThis as any);
      const conn = await rxws.openConnection(url);
      const echoes = rxjs.firstValueFrom(conn.messages$.pipe(rxws.ofBinary(), rxjs.take(4), rxjs.toArray()));
      const afterSend: number[] = [];
      const highest: number[] = [];
      for (let i = 0; i < 4; i++) {
        conn.sink.next(new Uint8Array(size).fill(i));
        highest.push(conn.bufferedAmount);
        await conn.send(new Uint8Array(0)); // waits for everything before it to leave
        afterSend.push(conn.bufferedAmount);
      }
      await echoes;
      await conn.close();

      const capped = await rxws.openConnection(url, { maxBufferedBytes: 1024, backpressure: 'drop' });
      const reports: string[] = [];
      capped.errors$.subscribe((error: any) => reports.push(error.code));
      capped.sink.next(new Uint8Array(size));
      const bufferedAfterFirst = capped.bufferedAmount;
      capped.sink.next(new Uint8Array(size)); // over the cap: dropped and reported
      let rejected = '';
      await capped.send(new Uint8Array(size)).catch((error: any) => (rejected = error.code));
      await capped.close();
      return { afterSend, sawBuffered: highest.some((n) => n > 0), bufferedAfterFirst, reports, rejected };
    }, { url: server.url('pace'), size: MiB });
    expect(result.afterSend).toEqual([0, 0, 0, 0]);
    expect(result.sawBuffered).toBe(true);
    expect(result.bufferedAfterFirst).toBeGreaterThan(1024);
    expect(result.reports).toEqual(['backpressure_drop', 'backpressure_drop']);
    expect(result.rejected).toBe('backpressure_drop');
  });

  it('typed(): validated values in and out of a browser connection; an invalid message is reported, not fatal', async () => {
    const result = await page.evaluate(async (url) => {
      const { rxws, rxjs } = globalThis as any;
      // A Standard Schema v1 object written by hand: { n: number }.
      const schema = {
        '~standard': {
          version: 1,
          vendor: 'test',
          validate: (value: any) =>
            typeof value === 'object' && value !== null && typeof value.n === 'number' ? { value } : { issues: [{ message: 'expected { n: number }' }] },
        },
      };
      const conn = await rxws.openConnection(url);
      const view = rxws.typed(conn, { receive: schema, send: schema });
      const invalid: string[] = [];
      view.invalid$.subscribe(() => invalid.push('invalid'));
      const values = rxjs.firstValueFrom(view.messages$.pipe(rxjs.take(2), rxjs.toArray()));
      view.sink.next({ n: 1 });
      conn.sink.next('{"n":"not a number"}'); // echoed back: fails the receive schema
      view.sink.next({ n: 2 });
      const received = await values;
      // Ours failing the send schema is not sent, and is reported on errors$ (never thrown).
      const reported = rxjs.firstValueFrom(view.errors$);
      view.sink.next({ n: 'x' });
      const error = await reported;
      await conn.close();
      return { received, invalid, reported: error.name };
    }, server.url('typed'));
    expect(result.received).toEqual([{ n: 1 }, { n: 2 }]);
    expect(result.invalid).toEqual(['invalid']);
    expect(result.reported).toBe('InvalidOutgoingError');
  });

  it('ReconnectingClient reconnects after the server drops the connection, with state$ showing it', async () => {
    const result = await page.evaluate(async (url) => {
      const { rxws, rxjs } = (globalThis as any);
      const client = new rxws.ReconnectingClient(url, { reconnect: { initialDelayMs: 50, maxDelayMs: 200 } });
      const states: string[] = [];
      client.state$.subscribe((state: string) => states.push(state));
      const opened = () => rxjs.firstValueFrom(client.state$.pipe(rxjs.filter((s: string) => s === 'open')));
      await opened();
      client.send('!drop');
      await rxjs.firstValueFrom(client.state$.pipe(rxjs.filter((s: string) => s === 'reconnecting')));
      await opened();
      const echo = rxjs.firstValueFrom(client.messages$.pipe(rxws.ofText()));
      client.send('after the drop');
      const text = await echo;
      await client.close();
      return { states, text };
    }, server.url('drop'));
    expect(result.text).toBe('after the drop');
    expect(result.states).toEqual(['connecting', 'open', 'reconnecting', 'open', 'closed']);
    const closes = await server.closed('drop', 2);
    expect(closes[0]!.code).toBe(1006);
    expect(closes[1]).toEqual({ code: 1000, reason: '', wasClean: true });
  });

  it('ReconnectingClient comes back after a server restart, and queues a bounded number of messages meanwhile', async () => {
    const url = server.url('restart');
    await page.evaluate(async (target) => {
      const { rxws, rxjs } = (globalThis as any);
      const client = new rxws.ReconnectingClient(target, { queueLimit: 3, reconnect: { initialDelayMs: 50, maxDelayMs: 200 } });
      (globalThis as any)['client'] = client;
      (globalThis as any)['dropped'] = [];
      client.errors$.subscribe((error: any) => (globalThis as any)['dropped'].push(error.code));
      await rxjs.firstValueFrom(client.state$.pipe(rxjs.filter((s: string) => s === 'open')));
    }, url);
    const port = server.port;
    await server.close();
    const accepted = await page.evaluate(async () => {
      const { rxjs } = (globalThis as any);
      const client = (globalThis as any)['client'];
      await rxjs.firstValueFrom(client.state$.pipe(rxjs.filter((s: string) => s === 'reconnecting')));
      const results: boolean[] = [];
      for (let i = 0; i < 5; i++) results.push(client.send(`queued ${i}`));
      return { results, queued: client.queuedCount, dropped: (globalThis as any)['dropped'].slice() };
    }, undefined);
    expect(accepted).toEqual({ results: [true, true, true, false, false], queued: 3, dropped: ['queue_full', 'queue_full'] });

    server = await startBrowserTestServer(port, seen);
    const after = await page.evaluate(async () => {
      const { rxws, rxjs } = (globalThis as any);
      const client = (globalThis as any)['client'];
      await rxjs.firstValueFrom(client.state$.pipe(rxjs.filter((s: string) => s === 'open')));
      const echo = rxjs.firstValueFrom(client.messages$.pipe(rxws.ofText(), rxjs.filter((t: string) => t === 'back')));
      client.send('back');
      const text = await echo;
      await client.close();
      return { text, state: client.state };
    }, undefined);
    expect(after).toEqual({ text: 'back', state: 'closed' });
    expect(server.seen('restart').texts).toEqual(['queued 0', 'queued 1', 'queued 2', 'back']);
  });
});

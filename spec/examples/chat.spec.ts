import { spawn, type ChildProcess } from 'node:child_process';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import WebSocket from 'ws';
import { PassThrough } from 'node:stream';
import { runChatClient } from '../../examples/chat-client';
import { startChatServer, type ChatServer } from '../../examples/chat-server';

/** Everything written to a stream, with a way to wait for a line (or text) to appear. */
class Transcript {
  readonly stream = new PassThrough();
  private text = '';
  private waiters: Array<() => void> = [];

  constructor() {
    this.stream.on('data', (chunk: Buffer) => {
      this.text += chunk.toString('utf8');
      this.waiters.slice().forEach((w) => w());
    });
  }

  get all(): string {
    return this.text;
  }

  /** Lines without terminal escape sequences. */
  get lines(): string[] {
    // eslint-disable-next-line no-control-regex
    return this.text.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').split('\n');
  }

  waitFor(pattern: RegExp | string, timeoutMs = 5000): Promise<string> {
    const find = () => this.lines.find((line) => (typeof pattern === 'string' ? line.includes(pattern) : pattern.test(line)));
    return new Promise((resolve, reject) => {
      const found = find();
      if (found !== undefined) return resolve(found);
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== check);
        reject(new Error(`no line matching ${String(pattern)} within ${timeoutMs} ms; got:\n${this.lines.join('\n')}`));
      }, timeoutMs);
      const check = () => {
        const line = find();
        if (line === undefined) return;
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== check);
        resolve(line);
      };
      this.waiters.push(check);
    });
  }
}

/** A port on 127.0.0.1 that nothing listens on (bound, then released). */
async function freePort(): Promise<number> {
  const probe = createNetServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe('examples/chat-client driven through its stdin, against examples/chat-server', () => {
  let server: ChatServer;
  let serverIn: PassThrough;
  let serverOut: Transcript;

  beforeEach(async () => {
    serverIn = new PassThrough();
    serverOut = new Transcript();
    server = await startChatServer({ port: 0, input: serverIn, output: serverOut.stream });
  });

  afterEach(async () => {
    await server.close();
    serverIn.end();
  });

  function client(url = server.url, terminal = false) {
    const input = new PassThrough();
    const output = new Transcript();
    const done = runChatClient({ url, input, output: output.stream, terminal });
    return { input, output, done };
  }

  it('sends typed lines, prints what the server sends, pings, and exits with 1000', async () => {
    const { input, output, done } = client();
    await output.waitFor(`connected to ${server.url}`);
    await serverOut.waitFor(/^#1 connected from 127\.0\.0\.1:\d+$/);
    await output.waitFor(/^\* you are #1; online: #1$/); // the server's typed welcome event

    input.write('hello server\n');
    await serverOut.waitFor('#1 says: hello server');

    serverIn.write('hello client\n');
    await serverOut.waitFor('sent to 1 client');
    await output.waitFor(/^! hello client$/);

    input.write('ping hello\n');
    await output.waitFor(/^pong "hello" in \d+\.\d ms$/);

    input.write('exit\n');
    await expect(done).resolves.toBe(0);
    await output.waitFor(/^connection closed: 1000$/); // the server echoes the code (RFC 6455 §5.5.1), not our reason
    await serverOut.waitFor('#1 disconnected (1000 bye)');
    expect(server.route.connections.size).toBe(0);
  });

  it('sends what the server operator types to every client', async () => {
    const a = client();
    const b = client();
    await serverOut.waitFor('#2 connected');
    serverIn.write('to everyone\n');
    await serverOut.waitFor('sent to 2 clients');
    await a.output.waitFor('! to everyone');
    await b.output.waitFor('! to everyone');
    a.input.end(); // Ctrl-D: leaves like `exit`
    b.input.write('exit\n');
    await expect(Promise.all([a.done, b.done])).resolves.toEqual([0, 0]);
    await serverOut.waitFor('#1 disconnected (1000 bye)');
    await serverOut.waitFor('#2 disconnected (1000 bye)');
  });

  it('keeps the line being typed intact when a message arrives (terminal mode)', async () => {
    const { input, output, done } = client(server.url, true);
    await serverOut.waitFor('#1 connected');
    input.write('half a li');
    await new Promise((resolve) => setTimeout(resolve, 50));
    serverIn.write('interruption\n');
    await output.waitFor('! interruption');
    // After the incoming line, the prompt is redrawn with what had been typed so far.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(output.all.slice(output.all.lastIndexOf('! interruption'))).toContain('> half a li');
    input.write('ne\n');
    await serverOut.waitFor('#1 says: half a line');
    input.write('exit\n');
    await expect(done).resolves.toBe(0);
  });

  it('reports a server shutdown (1001) and exits 0', async () => {
    const { output, done } = client();
    await serverOut.waitFor('#1 connected');
    serverIn.write('exit\n');
    await expect(done).resolves.toBe(0);
    await output.waitFor('connection closed: 1001 server shutting down');
  });

  it('says clearly, without a stack trace, that nothing listens at the address', async () => {
    const url = `ws://127.0.0.1:${await freePort()}/ws`;
    const { output, done } = client(url);
    await expect(done).resolves.toBe(1);
    expect(output.lines).toContain(`cannot connect to ${url}: nothing is listening there (is the server running?)`);
    expect(output.all).not.toMatch(/\n\s+at /);
  });

  it('shows the status and body when the server refuses the handshake', async () => {
    const url = server.url.replace(/\/ws$/, '/nope');
    const { output, done } = client(url);
    await expect(done).resolves.toBe(1);
    expect(output.lines).toContain('the server refused the connection: HTTP 404 - no websocket route here');
    expect(output.all).not.toMatch(/\n\s+at /);
  });

  it('rejects a malformed URL with a message, not a crash', async () => {
    const { output, done } = client('http//not a url');
    await expect(done).resolves.toBe(1);
    expect(output.lines.some((line) => line.startsWith('cannot connect to http//not a url: '))).toBe(true);
  });
});

describe('examples/chat-client against examples/broadcast-server: names and rooms', () => {
  it('`call me` and `join <room>` from the command line; events print as readable lines', async () => {
    const commands = new PassThrough();
    const { startBroadcastServer } = await import('../../examples/broadcast-server');
    const chat = await startBroadcastServer({ port: 0, host: '127.0.0.1', input: commands });
    const run = () => {
      const input = new PassThrough();
      const output = new Transcript();
      const done = runChatClient({ url: chat.wsUrl, input, output: output.stream, terminal: false });
      return { input, output, done };
    };
    try {
      const ann = run();
      await ann.output.waitFor('* you are guest-1 in #lobby; online: guest-1');
      const bob = run();
      await bob.output.waitFor('* you are guest-2 in #lobby; online: guest-1, guest-2');
      await ann.output.waitFor('* guest-2 joined #lobby');
      ann.input.write('call me Ann\n');
      await bob.output.waitFor('* guest-1 is now Ann');
      bob.input.write('join games\n');
      await bob.output.waitFor('* you are now in #games; online: guest-2');
      await bob.output.waitFor('* guest-2 joined #games');
      await ann.output.waitFor('* guest-2 left #lobby');
      ann.input.write('join games\n');
      await ann.output.waitFor('* you are now in #games; online: guest-2, Ann');
      await bob.output.waitFor('* Ann joined #games');
      bob.input.write('hi Ann\n');
      await ann.output.waitFor('guest-2: hi Ann');
      for (const client of [ann, bob]) client.input.write('exit\n');
      await expect(Promise.all([ann.done, bob.done])).resolves.toEqual([0, 0]);
    } finally {
      await chat.close();
      commands.end();
    }
  });
});

describe('the example servers run as programs (docs/how-to/graceful-shutdown.md, "On signals")', () => {
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });

  it.each(['chat-server', 'broadcast-server'])(
    'examples/%s: SIGTERM closes every client with 1001, and the process then exits 0 on its own',
    async (name) => {
      const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, `../../examples/${name}.ts`)], {
        cwd: join(__dirname, '../..'),
        env: { ...process.env, PORT: '0', HOST: '127.0.0.1' },
        stdio: ['pipe', 'pipe', 'pipe'], // stdin stays open: the process must not need it closed
      });
      children.push(child);
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      let out = '';
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout!.on('data', (chunk: Buffer) => {
          out += chunk.toString('utf8');
          const found = /ws:\/\/127\.0\.0\.1:\d+\/[^\s);]*/.exec(out);
          if (found !== null) resolve(found[0]);
        });
        child.once('exit', () => reject(new Error(`exited before listening: ${out}`)));
      });
      const ws = new WebSocket(url);
      await new Promise<void>((resolve, reject) => {
        ws.once('open', () => resolve());
        ws.once('error', reject);
      });
      const closed = new Promise<number>((resolve) => ws.once('close', (code: number) => resolve(code)));
      child.kill('SIGTERM');
      expect(await closed).toBe(1001);
      expect(await exited).toBe(0);
    },
    30_000,
  );
});

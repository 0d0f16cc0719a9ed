/**
 * A command-line chat client. What you type is sent as a text message; what arrives is printed
 * above your prompt without disturbing the line you are typing.
 *
 *   npx tsx examples/chat-client.ts                          # ws://127.0.0.1:8080/ws
 *   npx tsx examples/chat-client.ts ws://127.0.0.1:9001/     # any WebSocket URL
 *
 * Commands: `exit` closes with 1000 and quits (so does Ctrl-D); `ping <text>` pings the server
 * with that payload and prints the pong and its round-trip time. With examples/broadcast-server,
 * `call me <name>` renames you and `join <room>` takes you to another room, exactly as in the
 * browser page, and its JSON events are printed as readable lines.
 */
import { Buffer } from 'node:buffer';
import { clearLine, createInterface, cursorTo } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { Subscription } from 'rxjs';
// The package's sources; in your own project the same names come from '@rxws/rxws'.
import { HandshakeError, NetworkError, TimeoutError, UsageError, connect, type ClientConnection, type ClientOptions, type Message } from '../src';
import { readChatEvent } from './chat-messages';

export const DEFAULT_URL = 'ws://127.0.0.1:8080/ws';

export interface ChatClientOptions {
  /** Default ws://127.0.0.1:8080/ws */
  url?: string;
  input: Readable;
  output: Writable;
  /** Redraw the prompt around incoming lines; true for a TTY. Default: `output.isTTY`. */
  terminal?: boolean;
  /** Passed to `connect()` (headers, timeouts, limits...). */
  connectOptions?: Partial<ClientOptions>;
}

/**
 * Runs the client until the connection ends; resolves with the process exit code: 0 after `exit`
 * or a normal close by the server, 1 when the server could not be reached or refused us, or the
 * connection ended abnormally.
 */
export function runChatClient(options: ChatClientOptions): Promise<number> {
  const url = options.url ?? DEFAULT_URL;
  const output = options.output;
  const terminal = options.terminal ?? (output as Writable & { isTTY?: boolean }).isTTY === true;
  const rl = createInterface({ input: options.input, output, terminal, prompt: '> ' });
  let conn: ClientConnection | undefined;
  let exitCode = 1;
  let leaving = false;

  /** Prints a line above the prompt and redraws the prompt with what the user had typed. */
  const print = (line: string) => {
    if (!terminal) {
      output.write(`${line}\n`);
      return;
    }
    clearLine(output, 0);
    cursorTo(output, 0);
    output.write(`${line}\n`);
    if (conn !== undefined && !leaving) rl.prompt(true);
  };
  // Piped input (tests, scripts) gets clean output: no prompts.
  const prompt = () => {
    if (terminal && !leaving) rl.prompt();
  };

  /** `exit`, Ctrl-D or the end of the input: close with 1000 (now, or as soon as we are open). */
  const leave = () => {
    leaving = true;
    if (conn?.state === 'open') void conn.close(1000, 'bye');
  };

  rl.on('line', (line) => {
    const text = line.trim();
    if (conn === undefined || leaving) return;
    if (text === 'exit') return leave();
    if (text === 'ping' || text.startsWith('ping ')) {
      const payload = text.slice(5);
      if (Buffer.byteLength(payload) > 125) {
        print('a ping payload is at most 125 bytes');
      } else {
        conn
          .ping(payload, { timeoutMs: 10_000 })
          .then(
            ({ data, rttMs }) => print(`pong "${Buffer.from(data).toString('utf8')}" in ${rttMs.toFixed(1)} ms`),
            (error: Error) => print(`no pong: ${error.message}`),
          );
      }
    } else if (line !== '') {
      // The sink never throws: a line typed while the connection is closing is dropped.
      conn.sink.next(line);
    }
    prompt();
  });
  // Ctrl-D, or the end of piped input: leave as `exit` would.
  rl.on('close', leave);

  print(`connecting to ${url} ...`);
  return new Promise<number>((resolve) => {
    let messages: Subscription | undefined;
    const finish = () => {
      messages?.unsubscribe();
      rl.close();
      resolve(exitCode);
    };
    try {
      // connect() is cold: subscribing dials; it emits the open connection and completes once
      // that connection has closed. We keep the subscription: unsubscribing would close it.
      connect(url, options.connectOptions).subscribe({
        next: (opened) => {
          conn = opened;
          print(`connected to ${url}. Type a message; \`ping <text>\` pings, \`exit\` quits.`);
          messages = opened.messages$.subscribe((message) => {
            if (message.type === 'close') {
              exitCode = leaving || message.code === 1000 || message.code === 1001 ? 0 : 1;
              leaving = true;
            }
            const line = describe(message);
            if (line !== undefined) print(line);
          });
          // print() has redrawn the prompt, keeping what was typed while connecting (a fresh
          // prompt() here would put the cursor back at the start of that text).
          if (leaving) leave();
        },
        error: (error: unknown) => {
          print(explainConnectError(url, error));
          exitCode = 1;
          finish();
        },
        complete: finish,
      });
    } catch (error) {
      // A bad URL or option throws at once, before anything is dialed.
      print(explainConnectError(url, error));
      finish();
    }
  });
}

/** A line for an incoming message, or undefined for nothing worth printing. */
export function describe(message: Message): string | undefined {
  switch (message.type) {
    case 'text':
      return describeText(message.data);
    case 'binary':
      return `< [${message.data.length} bytes of binary]`;
    case 'pong':
      return undefined; // `ping` prints its own pong with the round-trip time
    case 'close':
      return `connection closed: ${message.code}${message.reason === '' ? '' : ` ${message.reason}`}${message.wasClean ? '' : ' (not clean)'}`;
  }
}

/** The chat servers' JSON events as readable lines; anything else as it came. */
function describeText(text: string): string {
  // Checked against the schema: text that is not a chat event is shown as it came.
  const event = readChatEvent(text);
  // Servers with rooms (broadcast-server.ts) say which; others (chat-server.ts) do not.
  const inRoom = (room: string | undefined, before: string) => (room === undefined ? '' : `${before}#${room}`);
  switch (event?.type) {
    case 'welcome':
      return `* you are ${event.name}${inRoom(event.room, ' in ')}; online: ${event.online.join(', ')}`;
    case 'room':
      return `* you are now in #${event.room}; online: ${event.online.join(', ')}`;
    case 'join':
      return `* ${event.name} joined${inRoom(event.room, ' ')}`;
    case 'leave':
      return `* ${event.name} left${inRoom(event.room, ' ')}`;
    case 'rename':
      return `* ${event.from} is now ${event.to}`;
    case 'chat':
      return `${event.from}: ${event.text}`;
    case 'notice':
      return `! ${event.text}`;
    default:
      return `< ${text}`;
  }
}

/** One clear sentence for why we could not connect; never a stack trace. */
export function explainConnectError(url: string, error: unknown): string {
  if (error instanceof HandshakeError) {
    if (error.status === 0 || error.status === 101) return `${url} did not complete the websocket handshake: ${error.message}`;
    const body = error.body.trim();
    return `the server refused the connection: HTTP ${error.status}${body === '' ? '' : ` - ${body.slice(0, 200)}`}`;
  }
  if (error instanceof NetworkError) {
    const code = (error.cause as { code?: unknown } | undefined)?.code;
    if (code === 'ECONNREFUSED') return `cannot connect to ${url}: nothing is listening there (is the server running?)`;
    return `cannot connect to ${url}: ${typeof code === 'string' ? code : error.message}`;
  }
  if (error instanceof TimeoutError) return `no answer from ${url} within ${error.timeoutMs} ms`;
  if (error instanceof UsageError) return `cannot connect to ${url}: ${error.message}`;
  return `cannot connect to ${url}: ${error instanceof Error ? error.message : String(error)}`;
}

if (require.main === module) {
  runChatClient({ url: process.argv[2] ?? DEFAULT_URL, input: process.stdin, output: process.stdout }).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`chat client failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}

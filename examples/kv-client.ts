/**
 * A command-line client for the typed key-value example (kv-server.ts). Type commands; answers
 * and the changes other clients make are printed as they come.
 *
 *   npx tsx examples/kv-client.ts                          # ws://127.0.0.1:8090/kv
 *   npx tsx examples/kv-client.ts ws://127.0.0.1:9000/kv
 *
 * Commands: `get <key>`, `set <key> <value>`, `del <key>`, `keys`, `exit`.
 */
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { Observable } from 'rxjs';
import { filter } from 'rxjs';
// The package's sources; in your own project the same names come from '@rxws/rxws'.
import { openConnection, typed, type ClientConnection, type TypedConnection } from '../src';
import { KvRequest, KvServerMessage } from './kv-protocol';

export const DEFAULT_KV_URL = 'ws://127.0.0.1:8090/kv';

/** A change another client made: `value` null means the key was deleted. */
export interface KvChange {
  key: string;
  value: string | null;
}

/** The store, as promises; every call is one request and waits at most `timeoutMs`. */
export interface KvClient {
  get(key: string): Promise<string | null>;
  set(key: string, value: string): Promise<void>;
  delete(key: string): Promise<void>;
  keys(): Promise<string[]>;
  /** The changes other clients make, pushed by the server. Completes when the connection closes. */
  readonly changes$: Observable<KvChange>;
  readonly connection: ClientConnection;
  close(): Promise<void>;
}

/** Opens a connection and wraps it as a KvClient. Rejects as `openConnection` does. */
export async function openKvClient(url = DEFAULT_KV_URL, timeoutMs = 5000): Promise<KvClient> {
  const connection = await openConnection(url);
  const kv: TypedConnection<KvServerMessage, KvRequest, 'id', ClientConnection> = typed(connection, { receive: KvServerMessage, send: KvRequest });
  // `request` resolves with whichever response carries our id: `error` is one of them.
  const ask = async (request: Parameters<typeof kv.request>[0]) => {
    const response = await kv.request(request, { timeoutMs });
    if (response.type === 'error') throw new Error(response.message);
    return response;
  };
  return {
    get: async (key) => {
      const response = await ask({ type: 'get', key });
      return response.type === 'value' ? response.value : null;
    },
    set: async (key, value) => void (await ask({ type: 'set', key, value })),
    delete: async (key) => void (await ask({ type: 'delete', key })),
    keys: async () => {
      const response = await ask({ type: 'keys' });
      return response.type === 'keys' ? response.keys : [];
    },
    changes$: kv.messages$.pipe(filter((m): m is Extract<KvServerMessage, { type: 'changed' }> => m.type === 'changed')),
    connection,
    close: async () => void (await connection.close(1000)),
  };
}

/** Runs the command loop until `exit` or the end of the input; resolves with an exit code. */
export async function runKvClient(options: { url?: string; input: Readable; output: Writable }): Promise<number> {
  const print = (line: string) => options.output.write(`${line}\n`);
  let client: KvClient;
  try {
    client = await openKvClient(options.url ?? DEFAULT_KV_URL);
  } catch (error) {
    print(`cannot connect: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  print('connected; commands: get <key> | set <key> <value> | del <key> | keys | exit');
  const changes = client.changes$.subscribe((change) => print(change.value === null ? `* ${change.key} deleted` : `* ${change.key} = ${change.value}`));
  const lines = createInterface({ input: options.input, terminal: false });
  // One command at a time, in order: the next line waits for the previous answer.
  for await (const line of lines) {
    const [command = '', key = '', ...rest] = line.trim().split(/\s+/);
    try {
      if (command === 'exit') break;
      else if (command === 'get') print(`${key} = ${(await client.get(key)) ?? '(not set)'}`);
      else if (command === 'set') {
        await client.set(key, rest.join(' '));
        print(`${key} set`);
      } else if (command === 'del') {
        await client.delete(key);
        print(`${key} deleted`);
      }
      else if (command === 'keys') print(`keys: ${(await client.keys()).join(' ') || '(none)'}`);
      else if (command !== '') print('commands: get <key> | set <key> <value> | del <key> | keys | exit');
    } catch (error) {
      // A refused request (a bad key) is a usage error here, listing what the schema said.
      print(`failed: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (client.connection.state !== 'open') break;
  }
  changes.unsubscribe();
  lines.close();
  if (client.connection.state === 'open') await client.close();
  return 0;
}

if (require.main === module) {
  runKvClient({ url: process.argv[2], input: process.stdin, output: process.stdout }).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`kv client failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}

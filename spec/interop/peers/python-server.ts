// The Python `websockets` echo server (python-echo-server.py) as an InteropServer: one process
// listening plain and with TLS; its per-connection records arrive as "record {json}" lines.
import * as path from 'node:path';
import type { ServerRecord } from '../scenarios';
import type { InteropServer } from './interop-server';
import { LineProcess } from './python-peer';

export async function startPythonInteropServer(certFile: string, keyFile: string): Promise<InteropServer> {
  const process = new LineProcess([path.join(__dirname, 'python-echo-server.py'), '--tls', certFile, keyFile, 'chat.v1', 'chat.v2']);
  try {
    const port = Number((await process.waitFor(/^port (\d+)$/))[1]);
    const tlsPort = Number((await process.waitFor(/^tls-port (\d+)$/))[1]);
    const records = new Map<string, ServerRecord>();
    return {
      name: 'python-websockets',
      url: `ws://127.0.0.1:${port}`,
      secureUrl: `wss://127.0.0.1:${tlsPort}`,
      records,
      closedRecord: async (id, timeoutMs = 10_000) => {
        const line = await process.waitFor(new RegExp(`^record \\{"id": "${id}", `), timeoutMs);
        const { record } = JSON.parse(line.input.slice('record '.length)) as { record: ServerRecord & { pong: string | null } };
        const normalised: ServerRecord = { ...record, pong: record.pong ?? undefined, clientHello: record.clientHello ?? undefined };
        records.set(id, normalised);
        return normalised;
      },
      close: () => process.stop(),
    };
  } catch (error) {
    await process.stop();
    throw error;
  }
}

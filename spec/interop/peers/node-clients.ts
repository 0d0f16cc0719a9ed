// The Node client peers of the interop table: rxws itself, `ws` and undici's WebSocket. Each runs
// one SessionSpec (see ../scenarios.ts) against a URL and reports what it saw.
import * as diagnostics from 'node:diagnostics_channel';
import { WebSocket as WsSocket } from 'ws';
import { openConnection } from '../../../src';
import { binaryPayload, summarise, textPayload, type SessionResult, type SessionSpec } from '../scenarios';
import { Agent, WebSocket as UndiciWebSocket, ping as undiciPing } from 'undici';

export type ClientRunner = (url: string, spec: SessionSpec, ca: Buffer) => Promise<SessionResult>;

function payloadOf(kind: 'text' | 'binary', size: number): string | Buffer {
  return kind === 'text' ? textPayload(size) : binaryPayload(size);
}

function closeOf(spec: SessionSpec): { code: number; reason: string } | undefined {
  if (spec.close === 'server') return undefined;
  return spec.close ?? { code: 1000, reason: '' };
}

export const runRxws: ClientRunner = async (url, spec, ca) => {
  const conn = await openConnection(url, {
    protocols: spec.protocols,
    headers: spec.headers,
    tls: spec.secure === true ? { ca } : undefined,
    maxMessageBytes: 64 * 1024 * 1024,
  });
  try {
    const received: SessionResult['received'] = [];
    const got = new Promise<void>((resolve) => {
      if (spec.expect === 0) resolve();
      conn.messages$.subscribe((m) => {
        if (m.type !== 'text' && m.type !== 'binary') return;
        received.push(summarise(m.type, m.data));
        if (received.length === spec.expect) resolve();
      });
    });
    for (const send of spec.sends) void conn.send(payloadOf(send.kind, send.size), send.fragmentBytes === undefined ? {} : { fragmentBytes: send.fragmentBytes });
    await got;
    const result: SessionResult = { protocol: conn.protocol ?? null, received, close: { code: 0, reason: '' } };
    if (spec.readHeader !== undefined) {
      const value = conn.response?.headers[spec.readHeader];
      result.header = Array.isArray(value) ? value.join(', ') : (value ?? null);
    }
    if (spec.ping !== undefined) result.pong = Buffer.from((await conn.ping(spec.ping, { timeoutMs: 5000 })).data).toString('utf8');
    const close = closeOf(spec);
    const closed = close === undefined ? await conn.waitForMessage('close', { timeoutMs: 10_000 }) : await conn.close(close.code, close.reason);
    result.close = { code: closed.code, reason: closed.reason };
    return result;
  } finally {
    conn.terminate();
  }
};

export const runWs: ClientRunner = (url, spec, ca) =>
  new Promise((resolve, reject) => {
    const ws = new WsSocket(url, spec.protocols ?? [], {
      headers: spec.headers,
      ca: spec.secure === true ? ca : undefined,
      perMessageDeflate: false,
      maxPayload: 64 * 1024 * 1024,
    });
    const received: SessionResult['received'] = [];
    let header: string | null | undefined;
    let pong: string | undefined;
    let closing = false;
    ws.on('error', reject);
    ws.on('upgrade', (response) => {
      if (spec.readHeader === undefined) return;
      const value = response.headers[spec.readHeader];
      header = Array.isArray(value) ? value.join(', ') : (value ?? null);
    });
    const finish = () => {
      if (spec.ping !== undefined && pong === undefined) return ws.ping(spec.ping);
      const close = closeOf(spec);
      if (close !== undefined && !closing) {
        closing = true;
        ws.close(close.code, close.reason);
      }
    };
    ws.on('pong', (data: Buffer) => {
      pong = data.toString('utf8');
      finish();
    });
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      received.push(summarise(isBinary ? 'binary' : 'text', data));
      if (received.length === spec.expect) finish();
    });
    ws.on('open', () => {
      for (const send of spec.sends) {
        const data = payloadOf(send.kind, send.size);
        const binary = send.kind === 'binary';
        if (send.fragmentBytes === undefined) {
          ws.send(data, { binary });
          continue;
        }
        // ws fragments a message when given `fin: false` on all but the last piece.
        const bytes = Buffer.from(data);
        for (let offset = 0; offset < bytes.length; offset += send.fragmentBytes) {
          const end = Math.min(offset + send.fragmentBytes, bytes.length);
          ws.send(bytes.subarray(offset, end), { binary, fin: end === bytes.length });
        }
      }
      if (spec.expect === 0) finish();
    });
    ws.on('close', (code: number, reason: Buffer) => {
      const result: SessionResult = { protocol: ws.protocol === '' ? null : ws.protocol, received, close: { code, reason: reason.toString('utf8') } };
      if (header !== undefined) result.header = header;
      if (pong !== undefined) result.pong = pong;
      resolve(result);
    });
  });

/** undici's WHATWG WebSocket; pings, pongs and the 101's headers come from its diagnostics channels. */
export const runUndici: ClientRunner = async (url, spec, ca) => {
  const dispatcher = spec.secure === true ? new Agent({ connect: { ca } }) : undefined;
  try {
    return await new Promise<SessionResult>((resolve, reject) => {
      const ws = new UndiciWebSocket(url, {
        protocols: spec.protocols ?? [],
        ...(spec.headers !== undefined ? { headers: spec.headers } : {}),
        ...(dispatcher !== undefined ? { dispatcher } : {}),
      });
      ws.binaryType = 'arraybuffer';
      const received: SessionResult['received'] = [];
      let header: string | null | undefined;
      let pong: string | undefined;
      let closing = false;
      const onOpen = (message: unknown) => {
        const m = message as { websocket: unknown; handshakeResponse?: { headers: Headers | Record<string, string> } };
        if (m.websocket !== ws || spec.readHeader === undefined) return;
        const headers = m.handshakeResponse?.headers;
        header = headers === undefined ? null : headers instanceof Headers ? headers.get(spec.readHeader) : (headers[spec.readHeader] ?? null);
      };
      const onPong = (message: unknown) => {
        const m = message as { websocket: unknown; payload: Buffer };
        if (m.websocket !== ws) return;
        pong = Buffer.from(m.payload).toString('utf8');
        finish();
      };
      diagnostics.subscribe('undici:websocket:open', onOpen);
      diagnostics.subscribe('undici:websocket:pong', onPong);
      const unsubscribe = () => {
        diagnostics.unsubscribe('undici:websocket:open', onOpen);
        diagnostics.unsubscribe('undici:websocket:pong', onPong);
      };
      const finish = () => {
        if (spec.ping !== undefined && pong === undefined) return undiciPing(ws, Buffer.from(spec.ping));
        const close = closeOf(spec);
        if (close !== undefined && !closing) {
          closing = true;
          ws.close(close.code, close.reason);
        }
      };
      ws.onerror = (event: unknown) => {
        if (ws.readyState !== 3) return;
        unsubscribe();
        reject(new Error(`undici websocket error: ${String((event as { error?: unknown }).error ?? event)}`));
      };
      ws.onmessage = (event) => {
        const data = event.data as string | ArrayBuffer;
        received.push(typeof data === 'string' ? summarise('text', data) : summarise('binary', new Uint8Array(data)));
        if (received.length === spec.expect) finish();
      };
      ws.onopen = () => {
        for (const send of spec.sends) {
          if (send.fragmentBytes !== undefined) throw new Error('undici cannot choose fragmentation');
          ws.send(payloadOf(send.kind, send.size));
        }
        if (spec.expect === 0) finish();
      };
      ws.onclose = (event) => {
        unsubscribe();
        const result: SessionResult = { protocol: ws.protocol === '' ? null : ws.protocol, received, close: { code: event.code, reason: event.reason } };
        if (header !== undefined) result.header = header;
        if (pong !== undefined) result.pong = pong;
        resolve(result);
      };
    });
  } finally {
    await dispatcher?.close();
  }
};

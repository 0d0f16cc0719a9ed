// One scenario for the browser entry outside a browser, run both in-process (spec/browser.spec.ts)
// and in a child process on a Node ≥ 22 binary (node-scenario-child.ts): echo text and binary,
// 200 messages in order, a close code each way. Imports nothing from Node.
import { filter, firstValueFrom, take, toArray } from 'rxjs';
import type * as Browser from '../../src/browser';

export interface ScenarioResult {
  text: string;
  binaryIsUint8Array: boolean;
  binary: number[];
  inOrder: boolean;
  ourClose: { code: number; reason: string; wasClean: boolean };
  theirClose: { code: number; reason: string; wasClean: boolean };
}

export async function runScenario(
  rxws: typeof Browser,
  url: string,
  options: Partial<Browser.ClientOptions> = {},
): Promise<ScenarioResult> {
  const conn = await rxws.openConnection(url, options);
  conn.sink.next('héllo ✓');
  const text = (await conn.waitForMessage('text', { timeoutMs: 5000 })).data;
  conn.sink.next(new Uint8Array([0, 1, 254, 255]));
  const binary = (await conn.waitForMessage('binary', { timeoutMs: 5000 })).data;
  const echoes = firstValueFrom(conn.messages$.pipe(rxws.ofText(), take(200), toArray()));
  for (let i = 0; i < 200; i++) conn.sink.next(`n${i}`);
  const back = await echoes;
  const ourClose = await conn.close(4001, 'bye');

  const other = await rxws.openConnection(url, options);
  const closing = firstValueFrom(other.messages$.pipe(filter((m) => m.type === 'close')));
  other.sink.next('!close 4002 server says bye');
  const theirClose = await closing;
  return {
    text,
    binaryIsUint8Array: binary instanceof Uint8Array,
    binary: Array.from(binary),
    inOrder: back.length === 200 && back.every((t, i) => t === `n${i}`),
    ourClose: { code: ourClose.code, reason: ourClose.reason, wasClean: ourClose.wasClean },
    theirClose: { code: theirClose.code, reason: theirClose.reason, wasClean: theirClose.wasClean },
  };
}

export const EXPECTED_RESULT: ScenarioResult = {
  text: 'héllo ✓',
  binaryIsUint8Array: true,
  binary: [0, 1, 254, 255],
  inOrder: true,
  ourClose: { code: 4001, reason: '', wasClean: true },
  theirClose: { code: 4002, reason: 'server says bye', wasClean: true },
};

import { firstValueFrom, toArray } from 'rxjs';
import type { BinaryMessage, CloseMessage, DataMessage, Message, MessageType, OutgoingMessage, PongMessage, TextMessage } from '../../src/rx/message';
import { Resources, wsClosed } from '../helpers/harness';

const resources = new Resources();
afterEach(() => resources.dispose());

/** Type-level checks, compiled by `tsc --noEmit -p .`: a wrong union fails the type-check. */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const typeChecks: [
  Equal<MessageType, 'text' | 'binary' | 'pong' | 'close'>,
  Equal<DataMessage, TextMessage | BinaryMessage>,
  Equal<Extract<Message, { type: 'pong' }>, PongMessage>,
  Equal<Extract<Message, { type: 'close' }>, CloseMessage>,
  Equal<OutgoingMessage, string | ArrayBufferView | ArrayBuffer>,
] = [true, true, true, true, true];

/** `type` narrows a Message to the one with that tag: what user code switches on. */
function describeMessage(message: Message): string {
  switch (message.type) {
    case 'text':
      return `text:${message.data.toUpperCase()}`;
    case 'binary':
      return `binary:${message.data.byteLength}`;
    case 'pong':
      return `pong:${message.data.byteLength}`;
    case 'close': {
      const code: number = message.code;
      return `close:${code}:${message.reason}:${message.wasClean}`;
    }
    default: {
      const never: never = message;
      return never;
    }
  }
}

describe('src/rx/message.ts', () => {
  it('the type-level checks hold', () => {
    expect(typeChecks).toEqual([true, true, true, true, true]);
  });

  it('a real connection emits exactly the documented shapes, close last, each narrowing by type', async () => {
    const { url, nextConnection } = await resources.server();
    const ws = await resources.client(url);
    const connection = await nextConnection();
    const all = firstValueFrom(connection.messages$.pipe(toArray()));
    ws.send('héllo');
    ws.send(Buffer.from([1, 2, 3]));
    ws.pong(Buffer.from('pp'));
    ws.close(4001, 'done');
    await wsClosed(ws);
    const messages = await all;
    expect(messages.map(describeMessage)).toEqual(['text:HÉLLO', 'binary:3', 'pong:2', 'close:4001:done:true']);
    for (const message of messages) {
      expect(Object.keys(message).sort()).toEqual(message.type === 'close' ? ['code', 'reason', 'type', 'wasClean'] : ['data', 'type']);
    }
    // Binary and pong data are Node Buffers (a Uint8Array the receiver may keep).
    expect(Buffer.isBuffer(messages[1]!.type === 'binary' && messages[1]!.data)).toBe(true);
    expect(Buffer.isBuffer(messages[2]!.type === 'pong' && messages[2]!.data)).toBe(true);
  });

  it('every OutgoingMessage form is accepted by send: string as text, any view or ArrayBuffer as binary', async () => {
    const { url, nextConnection } = await resources.server();
    const ws = await resources.client(url);
    const connection = await nextConnection();
    const received: Array<[boolean, string]> = [];
    const all = new Promise<void>((resolve) =>
      ws.on('message', (data: Buffer, isBinary: boolean) => {
        received.push([isBinary, data.toString('hex')]);
        if (received.length === 4) resolve();
      }),
    );
    const outgoing: OutgoingMessage[] = ['ab', new Uint16Array([0x0102]), new Uint8Array([9, 8]).buffer, new DataView(new Uint8Array([7, 6, 5]).buffer, 1, 2)];
    for (const message of outgoing) await connection.send(message);
    await all;
    expect(received).toEqual([
      [false, '6162'],
      [true, Buffer.from(new Uint16Array([0x0102]).buffer).toString('hex')],
      [true, '0908'],
      [true, '0605'],
    ]);
  });
});

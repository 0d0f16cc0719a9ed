import * as fs from 'node:fs';
import * as path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { firstValueFrom, toArray, take } from 'rxjs';
import * as v from 'valibot';
import { z } from 'zod';
import {
  InvalidOutgoingError,
  UsageError,
  jsonCodec,
  typed,
  type Codec,
  type InvalidMessage,
  type RxwsError,
} from '../../src';
import { sleep, until } from '../helpers/harness';
import { Pairs, collect, handShape } from './typed-helpers';

const pairs = new Pairs();
afterEach(() => pairs.dispose());

// One protocol in three schema dialects: the client asks to add, the server answers with a sum,
// and either side may push a note (no id).
const ZodShape = z.discriminatedUnion('type', [
  z.object({ type: z.literal('add'), id: z.number().int(), a: z.number(), b: z.number() }),
  z.object({ type: z.literal('sum'), id: z.number().int(), value: z.number() }),
  z.object({ type: z.literal('note'), text: z.string() }),
]);
const ValibotShape = v.variant('type', [
  v.object({ type: v.literal('add'), id: v.pipe(v.number(), v.integer()), a: v.number(), b: v.number() }),
  v.object({ type: v.literal('sum'), id: v.pipe(v.number(), v.integer()), value: v.number() }),
  v.object({ type: v.literal('note'), text: v.string() }),
]);
const dialects = [
  ['Zod 4', ZodShape],
  ['Valibot 1', ValibotShape],
  ['hand-written', handShape],
] as const;

describe.each(dialects)('typed() with %s schemas', (_name, schema) => {
  it('carries valid messages both ways, decoded and validated', async () => {
    const { server, client } = await pairs.open();
    const s = typed(server, { receive: schema, send: schema });
    const c = typed(client, { receive: schema, send: schema });
    const atServer = firstValueFrom(s.messages$.pipe(take(2), toArray()));
    c.sink.next({ type: 'add', id: 7, a: 2, b: 3 });
    await c.send({ type: 'note', text: 'hi' });
    expect(await atServer).toEqual([
      { type: 'add', id: 7, a: 2, b: 3 },
      { type: 'note', text: 'hi' },
    ]);
    const atClient = firstValueFrom(c.messages$);
    s.sink.next({ type: 'sum', id: 7, value: 5 });
    expect(await atClient).toEqual({ type: 'sum', id: 7, value: 5 });
  });

  it('reports every kind of bad input on invalid$, keeps the connection open and the order', async () => {
    const { server, client } = await pairs.open();
    const s = typed(server, { receive: schema, send: schema });
    const invalid = collect(s.invalid$);
    const valid = collect(s.messages$);
    const bad: Array<string | Uint8Array> = [
      '{"type":"add"', // not JSON
      'null',
      '42',
      '"add"',
      'true',
      '[]',
      '{"type":"add","id":"seven","a":1,"b":2}', // wrong shape
      '{"type":"launch"}',
      Buffer.from('{"type":"note","text":"binary"}'), // binary where JSON text is expected
    ];
    client.sink.next(JSON.stringify({ type: 'note', text: 'first' }));
    for (const data of bad) client.sink.next(data);
    client.sink.next(JSON.stringify({ type: 'note', text: 'last' }));
    await until(() => valid.values.length === 2, 5000, 'the two valid notes');
    expect(valid.values).toEqual([
      { type: 'note', text: 'first' },
      { type: 'note', text: 'last' },
    ]);
    expect(invalid.values.map((i) => i.data)).toEqual(bad);
    expect(invalid.values.map((i) => i.stage)).toEqual(['decode', 'validate', 'validate', 'validate', 'validate', 'validate', 'validate', 'validate', 'decode']);
    for (const report of invalid.values) expect(report.issues.length).toBeGreaterThan(0);
    // The decode errors are ours and do not echo the peer's bytes.
    expect(invalid.values[0]!.issues[0]!.message).toBe('a text message was not valid JSON');
    expect(invalid.values[8]!.issues[0]!.message).toBe('a binary message where JSON text was expected');
    expect(server.state).toBe('open');
  });

  it('does not send an outgoing message that fails the send schema: sink reports it, send rejects', async () => {
    const { server, client } = await pairs.open();
    const s = typed(server, { receive: schema, send: schema });
    const errors: RxwsError[] = [];
    s.errors$.subscribe((e) => errors.push(e));
    const received = collect(client.messages$);
    s.sink.next({ type: 'sum', id: 1, value: 'three' } as never);
    await expect(s.send({ type: 'sum', id: 1.5, value: 1 })).rejects.toBeInstanceOf(InvalidOutgoingError);
    s.sink.next({ type: 'note', text: 'the only one' });
    await until(() => received.values.length === 1, 5000, 'the valid note');
    await sleep(20);
    expect(received.values).toEqual([{ type: 'text', data: '{"type":"note","text":"the only one"}' }]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(InvalidOutgoingError);
    expect(errors[0]).toBeInstanceOf(UsageError);
    expect((errors[0] as InvalidOutgoingError).issues.length).toBeGreaterThan(0);
    expect(errors[0]!.message).toMatch(/value/);
  });
});

describe('typed() options', () => {
  it('rejects unknown keys, non-schemas, bad values and non-connections at once', async () => {
    const { server } = await pairs.open();
    expect(() => typed(server, { recieve: ZodShape } as never)).toThrow(/unknown typed option 'recieve'/);
    expect(() => typed(server, { receive: { parse: () => 1 } as never })).toThrow(/Standard Schema/);
    expect(() => typed(server, { receive: { '~standard': { version: 2, validate: () => ({ value: 1 }) } } as never })).toThrow(/version 1/);
    expect(() => typed(server, { onInvalid: 'drop' as never })).toThrow(/onInvalid/);
    expect(() => typed(server, { requestId: '' as never })).toThrow(/requestId/);
    expect(() => typed(server, { requestTimeoutMs: 0 })).toThrow(/requestTimeoutMs/);
    expect(() => typed(server, { codec: { decode: () => 1 } as never })).toThrow(/codec/);
    expect(() => typed({} as never, {})).toThrow(UsageError);
  });

  it("onInvalid: 'close' closes with 1007 and delivers nothing after the invalid message", async () => {
    const { server, client } = await pairs.open();
    const s = typed(server, { receive: ZodShape, send: ZodShape, onInvalid: 'close' });
    const valid = collect(s.messages$);
    const invalid = collect(s.invalid$);
    client.sink.next('{"type":"note","text":"before"}');
    client.sink.next('{"type":"note"}');
    client.sink.next('{"type":"note","text":"after"}');
    const close = await firstValueFrom(client.closed$);
    await valid.done;
    expect(close.code).toBe(1007);
    expect(valid.values).toEqual([{ type: 'note', text: 'before' }]);
    expect(invalid.values).toHaveLength(1);
  });

  it('works with a codec the user brings: binary frames both ways', async () => {
    // A toy binary format: a version byte, then UTF-8 JSON. Built on TextEncoder/TextDecoder only.
    const encoder = new TextEncoder();
    const decoder = new TextDecoder('utf-8', { fatal: true });
    const tagged: Codec = {
      decode(data) {
        if (typeof data === 'string' || data[0] !== 1) throw new Error('expected a version-1 binary message');
        return JSON.parse(decoder.decode(data.subarray(1)));
      },
      encode(value) {
        const body = encoder.encode(JSON.stringify(value));
        const out = new Uint8Array(body.length + 1);
        out[0] = 1;
        out.set(body, 1);
        return out;
      },
    };
    const { server, client } = await pairs.open();
    const s = typed(server, { receive: ZodShape, send: ZodShape, codec: tagged });
    const c = typed(client, { receive: ZodShape, send: ZodShape, codec: tagged });
    const raw = client.waitForMessage('binary').then((m) => m.data[0]);
    const atClient = firstValueFrom(c.messages$);
    const invalid = collect(s.invalid$);
    const atServer = firstValueFrom(s.messages$);
    client.sink.next('{"type":"note","text":"text is refused"}');
    c.sink.next({ type: 'note', text: 'binary' });
    expect(await atServer).toEqual({ type: 'note', text: 'binary' });
    expect(invalid.values.map((i) => [i.stage, i.issues[0]!.message])).toEqual([['decode', 'expected a version-1 binary message']]);
    s.sink.next({ type: 'sum', id: 1, value: 2 });
    expect(await atClient).toEqual({ type: 'sum', id: 1, value: 2 });
    expect(await raw).toBe(1);
  });

  it('uses JSON in text messages by default', async () => {
    const { server, client } = await pairs.open();
    const s = typed(server, { send: ZodShape });
    const sent = client.waitForMessage('text');
    s.sink.next({ type: 'note', text: 'json' });
    expect((await sent).data).toBe(jsonCodec.encode({ type: 'note', text: 'json' }));
  });
});

describe('a flood of invalid messages', () => {
  const gc = (): void => {
    setFlagsFromString('--expose-gc');
    (runInNewContext('gc') as () => void)();
  };

  it('keeps memory bounded when nobody listens to invalid$, and the connection stays usable', async () => {
    const { server, client } = await pairs.open();
    const s = typed(server, { receive: ZodShape, send: ZodShape });
    const valid = collect(s.messages$);
    // 2,000 × 64 KiB = 125 MiB of bad JSON and wrong shapes: kept, it would show.
    const junk = 'x'.repeat(64 * 1024);
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 2000; i++) {
      client.sink.next(i % 2 === 0 ? `{${junk}` : JSON.stringify({ type: 'note', text: i, junk }));
      if (i % 50 === 49) await client.send('{"type":"note","text":"tick"}');
    }
    client.sink.next('{"type":"note","text":"still here"}');
    await until(() => valid.values.some((m) => m.type === 'note' && m.text === 'still here'), 20_000, 'the last valid message');
    gc();
    const grownBytes = process.memoryUsage().heapUsed - before;
    expect(grownBytes).toBeLessThan(24 * 1024 * 1024);
    expect(valid.values).toHaveLength(41);
    expect(server.state).toBe('open');
  }, 30_000);

  it('reports each one to an invalid$ subscriber', async () => {
    const { server, client } = await pairs.open();
    const s = typed(server, { receive: ZodShape, send: ZodShape });
    let reports = 0;
    let last: InvalidMessage | undefined;
    s.invalid$.subscribe((report) => {
      reports++;
      last = report;
    });
    const valid = collect(s.messages$);
    for (let i = 0; i < 10_000; i++) client.sink.next(i % 3 === 0 ? 'nope' : i % 3 === 1 ? 'null' : '{"type":"sum"}');
    client.sink.next('{"type":"note","text":"done"}');
    await until(() => valid.values.length === 1, 10_000, 'the valid message');
    expect(reports).toBe(10_000);
    expect(last?.data).toBe('nope'); // i = 9999
  }, 20_000);
});

describe('src/typed', () => {
  it('reaches no node: module, so it bundles for browsers', () => {
    const root = path.join(__dirname, '../../src');
    const seen = new Set<string>();
    const nodeImports: string[] = [];
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      const text = fs.readFileSync(file, 'utf8');
      for (const match of text.matchAll(/^(?:import|export)[^'"]*from\s+'([^']+)'/gm)) {
        const spec = match[1]!;
        if (spec.startsWith('.')) visit(path.resolve(path.dirname(file), spec) + '.ts');
        else if (spec.startsWith('node:') || ['net', 'tls', 'http', 'crypto', 'zlib', 'stream', 'buffer'].includes(spec)) {
          nodeImports.push(`${path.relative(root, file)} imports ${spec}`);
        }
      }
      if (/\bBuffer\./.test(text)) nodeImports.push(`${path.relative(root, file)} uses Buffer`);
    };
    for (const file of fs.readdirSync(path.join(root, 'typed'))) visit(path.join(root, 'typed', file));
    expect(seen.size).toBeGreaterThan(5);
    expect(nodeImports).toEqual([]);
  });
});

// The bus wire format: every kind both ways, and any other bytes rejected with a reason.
import fc from 'fast-check';
import { BusKind, BusMessageReader, encodeBusPublish, encodeCountReply, encodeCountRequest, MAX_TOPIC_BYTES, sameOrigin } from '../../src/bus/bus-message';

const origin = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]);

describe('bus messages', () => {
  it('carries a text message: kind, origin, topic, except id and UTF-8 payload', () => {
    const bytes = encodeBusPublish(origin, 'room/ü', 7, 'héllo 👋');
    expect(bytes.length).toBe(16 + Buffer.byteLength('room/ü') + Buffer.byteLength('héllo 👋'));
    const reader = new BusMessageReader();
    expect(reader.read(bytes)).toBeUndefined();
    expect(reader.kind).toBe(BusKind.Text);
    expect(sameOrigin(reader.origin, origin)).toBe(true);
    expect(reader.topic).toBe('room/ü');
    expect(reader.exceptId).toBe(7);
    expect(Buffer.from(reader.payload).toString('utf8')).toBe('héllo 👋');
  });

  it('carries binary byte for byte, including an empty message and views into larger buffers', () => {
    const reader = new BusMessageReader();
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const view = new Uint8Array(all.buffer, 10, 20);
    for (const payload of [all, view, new Uint8Array(0)]) {
      expect(reader.read(encodeBusPublish(origin, 't', 0, payload))).toBeUndefined();
      expect(reader.kind).toBe(BusKind.Binary);
      expect(Buffer.from(reader.payload)).toEqual(Buffer.from(payload));
    }
  });

  it('carries count requests and replies', () => {
    const reader = new BusMessageReader();
    expect(reader.read(encodeCountRequest(origin, 'a', 0xfffffffe))).toBeUndefined();
    expect([reader.kind, reader.topic, reader.requestId]).toEqual([BusKind.CountRequest, 'a', 0xfffffffe]);
    expect(reader.read(encodeCountReply(origin, 'a', 3, 123_456))).toBeUndefined();
    expect([reader.kind, reader.topic, reader.requestId, reader.count]).toEqual([BusKind.CountReply, 'a', 3, 123_456]);
  });

  it('refuses a topic name too long for its header', () => {
    expect(() => encodeBusPublish(origin, 'x'.repeat(MAX_TOPIC_BYTES + 1), 0, 'm')).toThrow(/at most 65535 bytes/);
  });

  it('names what is wrong with bytes that are not a bus message', () => {
    const reader = new BusMessageReader();
    const good = encodeBusPublish(origin, 'topic', 0, 'text');
    const withByte = (at: number, value: number) => {
      const copy = Buffer.from(good);
      copy[at] = value;
      return copy;
    };
    expect(reader.read(Buffer.from('hello from another app'))).toMatch(/unknown version|truncated/);
    expect(reader.read(new Uint8Array(3))).toBe('truncated header');
    expect(reader.read(withByte(0, 9))).toBe('unknown version 9');
    expect(reader.read(withByte(1, 0))).toBe('unknown kind 0');
    expect(reader.read(withByte(11, 200))).toBe('truncated header');
    expect(reader.read(good.subarray(0, 18))).toBe('truncated header');
    expect(reader.read(Buffer.concat([encodeCountRequest(origin, 'a', 1), Buffer.from([0])]))).toBe('trailing bytes after a count message');
    expect(reader.read(withByte(12, 0xff))).toBe('topic name is not UTF-8');
    expect(reader.read(Buffer.concat([good, Buffer.from([0xc3])]))).toBe('text payload is not UTF-8');
  });

  it('reads any bytes to a message or a reason, never throwing', () => {
    const reader = new BusMessageReader();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.nat({ max: 4 }), (tail, kind) => {
        const bytes = Uint8Array.from([1, kind, ...tail]);
        const result = reader.read(bytes);
        expect(result === undefined || typeof result === 'string').toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});

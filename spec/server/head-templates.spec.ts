// HeadTemplates: heads that differ only in their key share one template, and a template with its
// key gives back exactly the head it came from.
import * as fc from 'fast-check';
import { HeadTemplates, headOf } from '../../src/server/head-templates';

function head(key: string, extra = ''): string {
  return `GET / HTTP/1.1\r\nHost: a.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`;
}
const K1 = 'dGhlIHNhbXBsZSBub25jZQ==';
const K2 = 'AQIDBAUGBwgJCgsMDQ4PEA==';

describe('HeadTemplates', () => {
  it('the first head of a kind is remembered, not shared; the next with another key shares it', () => {
    const templates = new HeadTemplates();
    expect(templates.shared(head(K1), K1)).toBeUndefined();
    const template = templates.shared(head(K2), K2);
    expect(template).toBeDefined();
    expect(headOf(template!, K2)).toBe(head(K2));
    expect(headOf(template!, K1)).toBe(head(K1));
    expect(templates.shared(head(K1), K1)).toBe(template);
  });

  it('heads that differ beyond the key do not share', () => {
    const templates = new HeadTemplates();
    templates.shared(head(K1, 'Cookie: a=1\r\n'), K1);
    expect(templates.shared(head(K2, 'Cookie: a=2\r\n'), K2)).toBeUndefined();
  });

  it('a key that is not in the head, an empty key, or a head over maxChars: never shared', () => {
    const templates = new HeadTemplates(8, 200);
    for (let i = 0; i < 2; i++) expect(templates.shared(head(K1), K2)).toBeUndefined();
    for (let i = 0; i < 2; i++) expect(templates.shared(head(K1), '')).toBeUndefined();
    const long = head(K1, `X-Pad: ${'p'.repeat(200)}\r\n`);
    for (let i = 0; i < 2; i++) expect(templates.shared(long, K1)).toBeUndefined();
  });

  it('the same text with the key elsewhere is not the same template', () => {
    // Cutting "ab" from "xab|ab" at 1 or at 4 leaves the same text; only the same place shares.
    const templates = new HeadTemplates();
    expect(templates.shared('xab|ab', 'ab')).toBeUndefined();
    expect(templates.shared('xab|ab', 'ab')?.keyAt).toBe(1);
    expect(templates.shared('x|abab', 'ab')).toBeUndefined();
  });

  it('bounded: past maxTemplates it starts over, and templates already given stay valid', () => {
    const templates = new HeadTemplates(4);
    const kinds = ['a', 'b', 'c', 'd', 'e'].map((x) => (key: string) => head(key, `X-Kind: ${x}\r\n`));
    for (const kind of kinds.slice(0, 4)) templates.shared(kind(K1), K1);
    const d = templates.shared(kinds[3]!(K2), K2)!;
    templates.shared(kinds[4]!(K1), K1); // the fifth kind: starts over
    expect(templates.shared(kinds[0]!(K2), K2)).toBeUndefined();
    expect(headOf(d, K1)).toBe(kinds[3]!(K1));
  });

  it('any head and any key in it: the template and the key give the head back (property)', () => {
    const text = fc.string({ maxLength: 40 });
    fc.assert(
      fc.property(text, fc.string({ minLength: 1, maxLength: 8 }), text, text, (before, key, after, other) => {
        const templates = new HeadTemplates();
        templates.shared(before + key + after, key);
        const template = templates.shared(before + key + after, key);
        expect(template).toBeDefined();
        expect(headOf(template!, key)).toBe(before + key + after);
        const again = templates.shared(other, key);
        if (again !== undefined) expect(headOf(again, key)).toBe(other);
      }),
    );
  });
});

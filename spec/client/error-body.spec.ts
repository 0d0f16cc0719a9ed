import { readErrorBody } from '../../src/client/error-body';
import type { HttpResponseHead } from '../../src/handshake/http-head-parser';

function head(status: number, headers: Record<string, string> = {}): HttpResponseHead {
  return { httpVersion: '1.1', status, statusText: '', headers, rawHeaders: [] };
}
const bytes = (s: string): Uint8Array => Buffer.from(s, 'utf8');

describe('src/client/error-body.ts readErrorBody (RFC 9112 §6.3)', () => {
  it('Content-Length: complete once that many bytes arrived; bytes past it are not kept', () => {
    const body = readErrorBody(head(403, { 'content-length': '10' }), 1000);
    expect(body.push(bytes('forbi'))).toBe(false);
    expect(body.push(bytes('dden!!EXTRA'))).toBe(true);
    expect(body.text()).toBe('forbidden!');
  });

  it('Content-Length: 0 is complete at once', () => {
    expect(readErrorBody(head(401, { 'content-length': '0' }), 1000).push(new Uint8Array(0))).toBe(true);
  });

  it('1xx, 204 and 304 have no body, whatever the headers say', () => {
    for (const status of [100, 204, 304]) {
      const body = readErrorBody(head(status, { 'content-length': '5' }), 1000);
      expect(body.push(bytes('hello'))).toBe(true);
      expect(body.text()).toBe('');
    }
  });

  it('chunked: complete at the last chunk, and text() is de-chunked (chunk extensions ignored)', () => {
    const body = readErrorBody(head(500, { 'transfer-encoding': 'chunked', 'content-length': '3' }), 1000);
    expect(body.push(bytes('5;ext=1\r\nhello\r\n'))).toBe(false);
    expect(body.push(bytes('6\r\n world\r\n0\r'))).toBe(false);
    expect(body.push(bytes('\n\r\n'))).toBe(true);
    expect(body.text()).toBe('hello world');
  });

  it('chunked as the last of several codings (gzip, chunked) is chunked; the end marker may arrive a byte at a time', () => {
    const body = readErrorBody(head(502, { 'transfer-encoding': 'gzip, Chunked' }), 1000);
    const wire = '3\r\nabc\r\n0\r\n\r\n';
    const done = [...wire].map((c) => body.push(bytes(c)));
    expect(done.indexOf(true)).toBe(wire.length - 1);
    expect(body.text()).toBe('abc');
  });

  it('chunked but cut short: text() gives what arrived, never throws', () => {
    const body = readErrorBody(head(500, { 'transfer-encoding': 'chunked' }), 1000);
    body.push(bytes('a\r\n01234'));
    expect(body.text()).toBe('01234');
    const garbled = readErrorBody(head(500, { 'transfer-encoding': 'chunked' }), 1000);
    garbled.push(bytes('zz\r\nhello\r\n'));
    expect(garbled.text()).toBe('');
  });

  it('no length: reads until the bound, then is complete (an endless body cannot hold the attempt)', () => {
    const body = readErrorBody(head(503), 8);
    expect(body.push(bytes('12345'))).toBe(false);
    expect(body.push(bytes('6789abc'))).toBe(true);
    expect(body.text()).toBe('12345678');
  });

  it('a Content-Length over the bound is cut at the bound; an invalid one is ignored', () => {
    const big = readErrorBody(head(413, { 'content-length': '100000' }), 4);
    expect(big.push(bytes('abcdef'))).toBe(true);
    expect(big.text()).toBe('abcd');
    const invalid = readErrorBody(head(400, { 'content-length': '-1' }), 6);
    expect(invalid.push(bytes('abc'))).toBe(false);
    expect(invalid.push(bytes('defg'))).toBe(true);
    expect(invalid.text()).toBe('abcdef');
  });

  it('decodes UTF-8, invalid sequences become U+FFFD', () => {
    const body = readErrorBody(head(400, { 'content-length': '5' }), 100);
    body.push(new Uint8Array([0xc3, 0xa9, 0xff, 0x41, 0x42]));
    expect(body.text()).toBe('é\ufffdAB');
  });

  it('copies what it keeps: the caller may reuse its chunk', () => {
    const body = readErrorBody(head(400, { 'content-length': '3' }), 100);
    const chunk = bytes('abc');
    body.push(chunk);
    chunk.fill(0x7a);
    expect(body.text()).toBe('abc');
  });
});

import type { HttpResponseHead } from '../handshake/http-head-parser';

/** Collects the body of a refused handshake for `HandshakeError.body`, bounded. */
export interface ErrorBody {
  /** Adds bytes; true once the body is complete (or the bound is reached). */
  push(chunk: Uint8Array): boolean;
  /** The body so far as UTF-8 (invalid sequences become U+FFFD), de-chunked when chunked. */
  text(): string;
}

/**
 * RFC 9112 §6.3: the body length is given by Transfer-Encoding: chunked (ends at the last
 * chunk), else Content-Length, else it runs until the server closes. Responses to our GET with
 * 1xx, 204 or 304 have none. At most `maxBytes` are kept; reaching that ends the read, so a
 * server streaming an endless body cannot hold the attempt open beyond the bound.
 */
export function readErrorBody(head: HttpResponseHead, maxBytes: number): ErrorBody {
  const chunks: Buffer[] = [];
  let bytes = 0;
  const status = head.status;
  const noBody = (status >= 100 && status < 200) || status === 204 || status === 304;
  const te = head.headers['transfer-encoding'];
  const chunked = typeof te === 'string' && te.toLowerCase().split(',').pop()!.trim() === 'chunked';
  const cl = head.headers['content-length'];
  const length = !chunked && typeof cl === 'string' && /^\d{1,15}$/.test(cl.trim()) ? Number(cl.trim()) : undefined;
  const want = noBody ? 0 : Math.min(length ?? maxBytes, maxBytes);
  const raw = (): Buffer => Buffer.concat(chunks, bytes);
  // The last bytes seen, to spot the end of a chunked body ("0" CRLF CRLF, no trailers) without
  // re-decoding everything on each read.
  let tail = '\r\n';

  return {
    push(chunk) {
      if (bytes < want && chunk.length > 0) {
        const take = Math.min(chunk.length, want - bytes);
        chunks.push(Buffer.from(chunk.subarray(0, take)));
        bytes += take;
      }
      if (bytes >= want) return true;
      if (!chunked) return false;
      tail = (tail + Buffer.from(chunk.subarray(Math.max(0, chunk.length - 7))).toString('latin1')).slice(-7);
      return tail === '\r\n0\r\n\r\n';
    },
    text() {
      const body = chunked ? dechunk(raw()).body : raw();
      return body.toString('utf8');
    },
  };
}

/** Decodes as much chunked framing as is present (RFC 9112 §7.1); never throws. */
function dechunk(data: Buffer): { body: Buffer; complete: boolean } {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = data.indexOf('\r\n', at);
    if (eol < 0) break;
    const sizeText = data.toString('latin1', at, eol).split(';')[0]!.trim();
    if (!/^[0-9a-fA-F]{1,8}$/.test(sizeText)) break;
    const size = parseInt(sizeText, 16);
    if (size === 0) return { body: Buffer.concat(parts), complete: true };
    const start = eol + 2;
    parts.push(data.subarray(start, Math.min(start + size, data.length)));
    if (start + size + 2 > data.length) break;
    at = start + size + 2;
  }
  return { body: Buffer.concat(parts), complete: false };
}

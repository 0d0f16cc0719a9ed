import { UsageError, type HttpHeaders } from '../errors';
import { TCHAR } from './header-tokens';

/** Bounds on an HTTP head (start line + header fields + blank line). */
export interface HttpHeadLimits {
  /** Largest head accepted, counted from the first byte through the final CRLF CRLF; more is 431.
   *  Default 16384 (Node's default `maxHeaderSize`). */
  maxHeaderBytes: number;
  /** Most header field lines accepted (repeated names count once per line); more is 431.
   *  Default 100. */
  maxHeaderCount: number;
}

export const DEFAULT_HTTP_HEAD_LIMITS: Readonly<HttpHeadLimits> = Object.freeze({
  maxHeaderBytes: 16384,
  maxHeaderCount: 100,
});

export interface HttpRequestHead {
  method: string;
  /** The request-target exactly as sent (origin-form "/a?b", absolute-form, ...). */
  target: string;
  /** "1.1" for HTTP/1.1, as Node's `IncomingMessage.httpVersion`. */
  httpVersion: string;
  headers: HttpHeaders;
  /** name, value, name, value, ... in order, names with the case they were sent in. */
  rawHeaders: string[];
}

export interface HttpResponseHead {
  /** "1.1" for HTTP/1.1. */
  httpVersion: string;
  status: number;
  statusText: string;
  headers: HttpHeaders;
  rawHeaders: string[];
}

export type HeadParseResult<T> =
  | { kind: 'incomplete' }
  | {
      kind: 'done';
      head: T;
      /** The bytes after the head's CRLF CRLF in the chunk that completed it (WebSocket frames
       *  or a body). A view into that chunk, not a copy. */
      rest: Uint8Array;
    }
  | { kind: 'error'; status: 400 | 431; message: string };

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const HTAB = 0x09;
const COLON = 0x3a;

const INCOMPLETE: { kind: 'incomplete' } = Object.freeze({ kind: 'incomplete' as const });
const EMPTY = new Uint8Array(0);

type Failure = { kind: 'error'; status: 400 | 431; message: string };

function failure(status: 400 | 431, message: string): Failure {
  return { kind: 'error', status, message };
}

/**
 * Decodes `bytes[start, end)` as latin1, one char per byte (as Node decodes header text). The
 * parser's own is plain JavaScript; a runtime with a native one (Node's Buffer) can pass it in,
 * as the server does: the head's names and values are decoded one by one, a dozen per handshake.
 */
export type Latin1Decoder = (bytes: Uint8Array, start: number, end: number) => string;

/** Bytes as latin1 (one char per byte), as Node decodes header text; never throws. */
export function latin1(buf: Uint8Array, start: number, end: number): string {
  let out = '';
  for (let p = start; p < end; p += 4096) {
    const q = Math.min(end, p + 4096);
    out += String.fromCharCode.apply(null, buf.subarray(p, q) as unknown as number[]);
  }
  return out;
}

/** RFC 9110 §5.5 field-vchar / OWS: HTAB, SP, VCHAR, obs-text. Excludes NUL, CR, LF, DEL and
 *  every other control character. */
function isFieldByte(c: number): boolean {
  return c === HTAB || (c >= SP && c !== 0x7f);
}

/**
 * Where the head ends in `buf`, searching from `from` (the start of a line): just past its first
 * CRLF CRLF (RFC 9112 §2.1: the empty line), or `limit` when it is not there before it.
 */
function headEnd(buf: Uint8Array, from: number, limit: number): number {
  let lf = buf.indexOf(LF, from + 1);
  while (lf >= 0 && lf + 2 < limit) {
    if (buf[lf - 1] === CR && buf[lf + 1] === CR && buf[lf + 2] === LF) return lf + 3;
    lf = buf.indexOf(LF, lf + 1);
  }
  return limit;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/**
 * RFC 9112 §2.3: HTTP-version = "HTTP/" DIGIT "." DIGIT, case-sensitive, exactly 8 bytes
 * at [start, start+8). Returns "1.1" style, or null.
 */
function readVersion(buf: Uint8Array, start: number, end: number): string | null {
  if (end - start < 8) return null;
  if (
    buf[start] !== 0x48 || // H
    buf[start + 1] !== 0x54 || // T
    buf[start + 2] !== 0x54 || // T
    buf[start + 3] !== 0x50 || // P
    buf[start + 4] !== 0x2f || // /
    !isDigit(buf[start + 5]!) ||
    buf[start + 6] !== 0x2e || // .
    !isDigit(buf[start + 7]!)
  ) {
    return null;
  }
  const major = buf[start + 5]! - 0x30;
  const minor = buf[start + 7]! - 0x30;
  return major === 1 && minor === 1 ? '1.1' : `${major}.${minor}`;
}

/** The frozen limits validated last, and what they gave: a server passes one such object to
 *  the parser of every handshake, checked once instead of each time. */
let lastFrozenLimits: object | undefined;
let lastMergedLimits: Readonly<HttpHeadLimits> = DEFAULT_HTTP_HEAD_LIMITS;

function validateLimits(limits: Partial<HttpHeadLimits> | undefined): Readonly<HttpHeadLimits> {
  if (limits === undefined) return DEFAULT_HTTP_HEAD_LIMITS;
  if (limits === lastFrozenLimits) return lastMergedLimits;
  const merged = checkLimits(limits);
  if (Object.isFrozen(limits)) {
    lastFrozenLimits = limits;
    lastMergedLimits = merged;
  }
  return merged;
}

function checkLimits(limits: Partial<HttpHeadLimits>): Readonly<HttpHeadLimits> {
  const merged: HttpHeadLimits = { ...DEFAULT_HTTP_HEAD_LIMITS };
  if (limits === null || typeof limits !== 'object') {
    throw new UsageError('invalid_option', 'http head limits must be an object');
  }
  for (const key of Object.keys(limits)) {
    if (key !== 'maxHeaderBytes' && key !== 'maxHeaderCount') {
      throw new UsageError('invalid_option', `unknown http head limit ${JSON.stringify(key)}`);
    }
  }
  if (limits.maxHeaderBytes !== undefined) {
    const v = limits.maxHeaderBytes;
    if (!Number.isSafeInteger(v) || v < 1) {
      throw new UsageError('invalid_option', 'maxHeaderBytes must be a positive integer');
    }
    merged.maxHeaderBytes = v;
  }
  if (limits.maxHeaderCount !== undefined) {
    const v = limits.maxHeaderCount;
    if (!Number.isSafeInteger(v) || v < 0) {
      throw new UsageError('invalid_option', 'maxHeaderCount must be a non-negative integer');
    }
    merged.maxHeaderCount = v;
  }
  return merged;
}

/**
 * An incremental, bounded parser for one HTTP/1.x request or response head (RFC 9112 §2-§5).
 *
 * Feed it the bytes from the socket with `push()` until the result is not 'incomplete'. Each byte
 * is scanned once: state (the current partial line, the headers so far) is kept between pushes,
 * and a line is decoded only when its CRLF arrives, so the cost is linear in the head's size
 * whatever the chunking. The result is the same for every way of splitting the same bytes.
 *
 * Decisions (see docs):
 * - Line ends must be CRLF. A bare LF or a CR not followed by LF is 400 (RFC 9112 §2.2 lets a
 *   recipient accept bare LF; we do not, as request-smuggling defences recommend, and browsers
 *   always send CRLF).
 * - Empty lines before a request line are skipped (RFC 9112 §2.2 SHOULD); they count towards
 *   `maxHeaderBytes`. A response must start with its status line.
 * - obs-fold (a line starting with SP/HTAB), whitespace between a name and its colon
 *   (RFC 9112 §5.1 MUST reject), a missing colon, a non-token name, or a control character other
 *   than HTAB in a value (NUL, DEL, ...) is 400.
 * - Names are lower-cased; values have surrounding OWS trimmed and are decoded as latin1, one char
 *   per byte, as Node does. Repeated names: `set-cookie` becomes a list, `cookie` is joined with
 *   "; ", `host` and `content-length` are 400 (RFC 9112 §3.2, §6.3: ambiguous), the rest are joined
 *   with ", " (RFC 9110 §5.3).
 * - The headers object has a null prototype, so `__proto__`, `constructor` and `toString` are
 *   ordinary header names.
 * - 431 as soon as the head passes `maxHeaderBytes` or a header line beyond `maxHeaderCount`
 *   starts; nothing past the limit is buffered.
 * - The end of the stream before the blank line is reported by `end()` as 400.
 */
export class HttpHeadParser<T> {
  private readonly maxBytes: number;
  private readonly maxCount: number;
  /** Bytes of the head taken from earlier chunks. */
  private consumed = 0;
  /** The current line's bytes carried over from earlier chunks (CR excluded). */
  private line: Uint8Array = EMPTY;
  private lineLen = 0;
  /** The previous chunk ended with the CR of a line's CRLF. */
  private afterCr = false;
  private startLineSeen = false;
  private headerCount = 0;
  private readonly headers: HttpHeaders = Object.create(null) as HttpHeaders;
  private readonly rawHeaders: string[] = [];
  // Start-line fields.
  private method = '';
  private target = '';
  private httpVersion = '';
  private status = 0;
  private statusText = '';
  /** Set once the parser has a final answer. */
  private final: Failure | 'done' | undefined;
  /**
   * The chunk being pushed, and its text from `textStart` to the end of the head (or of what the
   * chunk holds of it), decoded once at first need: the names and values of the lines that lie
   * in the chunk are slices of it, instead of a decoding each. Lines carried over from earlier
   * chunks are decoded on their own. Both are let go when `push` returns.
   */
  private chunk: Uint8Array = EMPTY;
  private chunkEnd = 0;
  private chunkText: string | undefined;
  private textStart = 0;

  private constructor(
    private readonly kind: 'request' | 'response',
    limits: Partial<HttpHeadLimits> | undefined,
    private readonly decode: Latin1Decoder,
  ) {
    const l = validateLimits(limits);
    this.maxBytes = l.maxHeaderBytes;
    this.maxCount = l.maxHeaderCount;
  }

  /** A parser for a request head (server side). `decode` must decode exactly as `latin1`. */
  static request(limits?: Partial<HttpHeadLimits>, decode: Latin1Decoder = latin1): HttpHeadParser<HttpRequestHead> {
    return new HttpHeadParser<HttpRequestHead>('request', limits, decode);
  }

  /** A parser for a response head (client side). `decode` must decode exactly as `latin1`. */
  static response(limits?: Partial<HttpHeadLimits>, decode: Latin1Decoder = latin1): HttpHeadParser<HttpResponseHead> {
    return new HttpHeadParser<HttpResponseHead>('response', limits, decode);
  }

  /**
   * Feeds the next bytes. Returns 'incomplete' (push more), 'done' (with the bytes that follow the
   * head) or 'error' (answer with that status and close). After an error every call returns the
   * same error; pushing after 'done' is a UsageError.
   */
  push(chunk: Uint8Array): HeadParseResult<T> {
    if (this.final !== undefined) return this.finished();
    if (!(chunk instanceof Uint8Array)) {
      throw new UsageError('invalid_argument', 'push() takes a Uint8Array');
    }
    const n = chunk.length;
    const budget = this.maxBytes - this.consumed;
    // Bytes at or after `end` would make the head longer than maxHeaderBytes.
    const end = n < budget ? n : budget;
    this.chunk = chunk;
    this.chunkEnd = end;
    try {
      return this.scan(chunk, n, end);
    } finally {
      this.chunk = EMPTY;
      this.chunkText = undefined;
    }
  }

  private scan(chunk: Uint8Array, n: number, end: number): HeadParseResult<T> {
    let i = 0;
    let segStart = 0;

    if (this.afterCr && end > 0) {
      if (chunk[0] !== LF) return this.fail(400, 'bare cr in http head');
      this.afterCr = false;
      const r = this.endLine(this.line, 0, this.lineLen, chunk, 1);
      this.lineLen = 0;
      if (r !== undefined) return r;
      i = 1;
      segStart = 1;
    }

    while (i < end) {
      const c = chunk[i]!;
      if (c === CR) {
        if (i + 1 >= end) {
          // The LF is in the next chunk (or beyond the limit: caught below).
          this.append(chunk, segStart, i);
          this.afterCr = true;
          segStart = i + 1;
          i++;
          break;
        }
        if (chunk[i + 1] !== LF) return this.fail(400, 'bare cr in http head');
        let r: HeadParseResult<T> | undefined;
        if (this.lineLen === 0) {
          r = this.endLine(chunk, segStart, i, chunk, i + 2);
        } else {
          this.append(chunk, segStart, i);
          r = this.endLine(this.line, 0, this.lineLen, chunk, i + 2);
          this.lineLen = 0;
        }
        if (r !== undefined) return r;
        i += 2;
        segStart = i;
        continue;
      }
      if (c === LF) return this.fail(400, 'bare lf in http head');
      if (
        i === segStart &&
        this.lineLen === 0 &&
        this.startLineSeen &&
        this.headerCount >= this.maxCount
      ) {
        // The first byte of one header line too many.
        return this.fail(431, 'too many header fields');
      }
      i++;
    }

    if (end < n) return this.fail(431, 'http head too large');
    if (segStart < end) this.append(chunk, segStart, end);
    this.consumed += n;
    return INCOMPLETE;
  }

  /**
   * The stream ended (EOF). If the head was not complete this is 400: the peer sent a truncated
   * head, which is an answer, never an exception (CVE-2024-37890 in spirit).
   */
  end(): HeadParseResult<T> {
    if (this.final !== undefined) return this.finished();
    return this.fail(400, 'connection ended before the end of the http head');
  }

  private finished(): HeadParseResult<T> {
    if (this.final === 'done') {
      throw new UsageError('parser_finished', 'the http head was already parsed');
    }
    return this.final!;
  }

  private fail(status: 400 | 431, message: string): Failure {
    this.final = failure(status, message);
    this.line = EMPTY;
    this.lineLen = 0;
    return this.final;
  }

  private append(chunk: Uint8Array, start: number, end: number): void {
    const len = end - start;
    if (len <= 0) return;
    const need = this.lineLen + len;
    if (need > this.line.length) {
      // Never larger than maxHeaderBytes: nothing past the limit reaches here.
      let size = Math.max(256, this.line.length * 2);
      while (size < need) size *= 2;
      const grown = new Uint8Array(Math.min(size, Math.max(need, this.maxBytes)));
      grown.set(this.line.subarray(0, this.lineLen));
      this.line = grown;
    }
    this.line.set(chunk.subarray(start, end), this.lineLen);
    this.lineLen = need;
  }

  /**
   * One complete line, [s, e) of `buf` without its CRLF. `restStart` indexes `chunk` just past
   * the LF. Returns a final result, or undefined to go on.
   */
  private endLine(
    buf: Uint8Array,
    s: number,
    e: number,
    chunk: Uint8Array,
    restStart: number,
  ): HeadParseResult<T> | undefined {
    if (!this.startLineSeen) {
      if (s === e && this.kind === 'request') return undefined; // RFC 9112 §2.2 robustness
      const error =
        this.kind === 'request' ? this.parseRequestLine(buf, s, e) : this.parseStatusLine(buf, s, e);
      if (error !== undefined) return this.fail(400, error);
      this.startLineSeen = true;
      return undefined;
    }
    if (s === e) {
      this.final = 'done';
      this.line = EMPTY;
      // Most heads come alone: no view object for the nothing that follows them.
      const rest = restStart === chunk.length ? EMPTY : chunk.subarray(restStart);
      return { kind: 'done', head: this.buildHead(), rest };
    }
    const error = this.parseFieldLine(buf, s, e);
    return error === undefined ? undefined : error;
  }

  /** `buf[s, e)` as latin1: a slice of the chunk's text when the line lies in the chunk. */
  private text(buf: Uint8Array, s: number, e: number): string {
    if (buf !== this.chunk) return this.decode(buf, s, e);
    let text = this.chunkText;
    if (text === undefined) {
      this.textStart = s;
      text = this.chunkText = this.decode(buf, s, headEnd(buf, s, this.chunkEnd));
    }
    const from = s - this.textStart;
    const to = e - this.textStart;
    // Never past the text (a line runs to its CRLF, which comes before the head's end); the
    // check keeps it so whatever the input.
    return from >= 0 && to <= text.length ? text.slice(from, to) : this.decode(buf, s, e);
  }

  /** RFC 9112 §3: request-line = method SP request-target SP HTTP-version. */
  private parseRequestLine(buf: Uint8Array, s: number, e: number): string | undefined {
    let j = s;
    while (j < e && buf[j]! < 128 && TCHAR[buf[j]!] === 1) j++;
    if (j === s || j >= e || buf[j] !== SP) return 'malformed request line';
    let k = j + 1;
    // RFC 9112 §3.2: the target has no whitespace; we also refuse control and non-ASCII bytes.
    while (k < e && buf[k]! > SP && buf[k]! < 0x7f) k++;
    if (k === j + 1 || k >= e || buf[k] !== SP) return 'malformed request line';
    const version = readVersion(buf, k + 1, e);
    if (version === null || k + 9 !== e) return 'malformed request line';
    this.method = this.text(buf, s, j);
    this.target = this.text(buf, j + 1, k);
    this.httpVersion = version;
    return undefined;
  }

  /**
   * RFC 9112 §4: status-line = HTTP-version SP status-code SP [ reason-phrase ]. We also accept
   * the final SP missing when there is no reason phrase ("HTTP/1.1 101"), which some servers send.
   */
  private parseStatusLine(buf: Uint8Array, s: number, e: number): string | undefined {
    const version = readVersion(buf, s, e);
    if (version === null || s + 12 > e || buf[s + 8] !== SP) return 'malformed status line';
    const d0 = buf[s + 9]!;
    const d1 = buf[s + 10]!;
    const d2 = buf[s + 11]!;
    if (!isDigit(d0) || !isDigit(d1) || !isDigit(d2)) return 'malformed status line';
    const status = (d0 - 0x30) * 100 + (d1 - 0x30) * 10 + (d2 - 0x30);
    // RFC 9110 §15: status codes are 100-599.
    if (status < 100 || status > 599) return 'malformed status line';
    let reason = '';
    if (s + 12 < e) {
      if (buf[s + 12] !== SP) return 'malformed status line';
      for (let k = s + 13; k < e; k++) {
        if (!isFieldByte(buf[k]!)) return 'malformed status line';
      }
      reason = this.text(buf, s + 13, e);
    }
    this.httpVersion = version;
    this.status = status;
    this.statusText = reason;
    return undefined;
  }

  /** RFC 9112 §5: field-line = field-name ":" OWS field-value OWS. */
  private parseFieldLine(buf: Uint8Array, s: number, e: number): Failure | undefined {
    const first = buf[s]!;
    if (first === SP || first === HTAB) {
      // RFC 9112 §5.2: obs-fold; or whitespace before the first field (§2.2).
      return this.fail(400, 'folded or indented header line');
    }
    let j = s;
    while (j < e && buf[j]! < 128 && TCHAR[buf[j]!] === 1) j++;
    if (j >= e) return this.fail(400, 'header line without a colon');
    const c = buf[j]!;
    if (c !== COLON) {
      return this.fail(
        400,
        c === SP || c === HTAB ? 'whitespace before colon in header line' : 'invalid header name',
      );
    }
    if (j === s) return this.fail(400, 'empty header name');
    let vs = j + 1;
    while (vs < e && (buf[vs] === SP || buf[vs] === HTAB)) vs++;
    let ve = vs;
    for (let k = vs; k < e; k++) {
      const b = buf[k]!;
      if (!isFieldByte(b)) return this.fail(400, 'invalid character in header value');
      if (b !== SP && b !== HTAB) ve = k + 1;
    }
    const rawName = this.text(buf, s, j);
    const name = rawName.toLowerCase();
    const value = this.text(buf, vs, ve);
    this.headerCount++;
    this.rawHeaders.push(rawName, value);
    const existing = this.headers[name];
    if (existing === undefined) {
      this.headers[name] = name === 'set-cookie' ? [value] : value;
    } else if (name === 'set-cookie') {
      (existing as string[]).push(value);
    } else if (name === 'host' || name === 'content-length') {
      return this.fail(400, `duplicate ${name} header`);
    } else {
      this.headers[name] = `${existing as string}${name === 'cookie' ? '; ' : ', '}${value}`;
    }
    return undefined;
  }

  private buildHead(): T {
    if (this.kind === 'request') {
      const head: HttpRequestHead = {
        method: this.method,
        target: this.target,
        httpVersion: this.httpVersion,
        headers: this.headers,
        rawHeaders: this.rawHeaders,
      };
      return head as unknown as T;
    }
    const head: HttpResponseHead = {
      httpVersion: this.httpVersion,
      status: this.status,
      statusText: this.statusText,
      headers: this.headers,
      rawHeaders: this.rawHeaders,
    };
    return head as unknown as T;
  }
}

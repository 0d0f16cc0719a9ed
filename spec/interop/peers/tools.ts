// The npm tools the interop suite drives (undici, playwright-core), loaded at run time with a
// clear install hint when missing. Typed here by the little this suite uses, so the type check
// does not depend on them being installed.
/** The part of undici's Dispatcher the interop suite uses. */
export interface Dispatcher {
  close(): Promise<void>;
}

export interface UndiciWebSocket {
  binaryType: string;
  readonly protocol: string;
  readonly readyState: number;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: string | ArrayBuffer }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  send(data: string | Uint8Array): void;
  close(code?: number, reason?: string): void;
}

export interface Undici {
  WebSocket: new (url: string, init?: Record<string, unknown>) => UndiciWebSocket;
  Agent: new (options: { connect: { ca: Buffer } }) => Dispatcher;
  ping(ws: UndiciWebSocket, body?: Buffer): void;
  version?: string;
}

export interface Playwright {
  chromium: {
    launch(options: { executablePath: string; args: string[]; timeout?: number }): Promise<Browser>;
  };
}

export interface Browser {
  newContext(options?: { ignoreHTTPSErrors?: boolean }): Promise<BrowserContext>;
  close(): Promise<void>;
  version(): string;
}

export interface BrowserContext {
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

export interface Page {
  goto(url: string): Promise<unknown>;
  evaluate<R, A>(fn: (arg: A) => R | Promise<R>, arg: A): Promise<R>;
  on(event: 'console' | 'pageerror', listener: (value: unknown) => void): void;
}

function load<T>(name: string, install: string): T {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require(name) as T;
  } catch (error) {
    throw new Error(`the interop suite needs the npm package '${name}' (${(error as Error).message.split('\n')[0]}). Install it with: ${install}`);
  }
}

export const loadUndici = (): Undici => load<Undici>('undici', 'npm install --save-dev undici@7');
export const loadPlaywright = (): Playwright => load<Playwright>('playwright-core', 'npm install --save-dev playwright-core@1');

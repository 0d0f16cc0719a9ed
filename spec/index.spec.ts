import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as rxws from '../src';

const root = join(__dirname, '..');

/** The `#### Name` headings of one `### Kind` section of the main entry in docs/reference.md. */
function documented(kinds: readonly string[]): string[] {
  const text = readFileSync(join(root, 'docs/reference.md'), 'utf8');
  // From the main entry's heading to the next entry's (whichever subpath comes next).
  const start = text.indexOf('\n## @rxws/rxws\n');
  const next = text.indexOf('\n## ', start + 1);
  const main = text.slice(start, next === -1 ? undefined : next);
  const names: string[] = [];
  let kind = '';
  for (const line of main.split('\n')) {
    if (line.startsWith('### ')) kind = line.slice(4).trim();
    else if (line.startsWith('#### ') && kinds.includes(kind)) names.push(line.slice(5).trim());
  }
  return names.sort();
}

/** The names `src/index.ts` exports with `export type { ... }`. */
function typeExports(): string[] {
  const source = readFileSync(join(root, 'src/index.ts'), 'utf8');
  const names: string[] = [];
  for (const match of source.matchAll(/export type \{([^}]*)\}/g)) {
    for (const name of match[1]!.split(',')) if (name.trim() !== '') names.push(name.trim());
  }
  return names.sort();
}

describe('src/index.ts (the public entry)', () => {
  it('exports at run time exactly the classes, functions and constants docs/reference.md lists for it', () => {
    const documentedValues = documented(['Classes', 'Functions', 'Constants']);
    expect(documentedValues.length).toBeGreaterThan(50);
    expect(Object.keys(rxws).filter((name) => name !== '__esModule').sort()).toEqual(documentedValues);
  });

  it('exports as types exactly the interfaces and types docs/reference.md lists for it', () => {
    expect(typeExports()).toEqual(documented(['Interfaces', 'Types']));
  });

  it('every run-time export is defined (no re-export of a missing name)', () => {
    for (const [name, value] of Object.entries(rxws)) expect([name, value === undefined]).toEqual([name, false]);
  });

  it('exports nothing from the internals', () => {
    const exported = new Set(Object.keys(rxws));
    for (const internal of [
      'SocketTransport', 'ProtocolConnection', 'FrameParser', 'MessageBacklog', 'MessageSender', 'ReactiveConnection',
      'resolveTarget', 'readErrorBody', 'runAcceptHook', 'isRejection', 'closedError', 'sinkErrorCode', 'wordsOf',
      'validateOptions', 'CONNECTION_OPTION_RULES', 'CLIENT_OPTION_RULES', 'MAX_ERROR_BODY_BYTES', 'NO_PARAMS',
      'KeptUpgradeRequest', 'DEFAULT_PROTOCOL_LIMITS', 'connectionOptionsOf', 'Router', 'HttpHeadParser',
    ]) {
      expect([internal, exported.has(internal)]).toEqual([internal, false]);
    }
  });

  it('the public error classes are the ones the library throws (one identity, not copies)', async () => {
    const errors = await import('../src/errors');
    expect(rxws.UsageError).toBe(errors.UsageError);
    expect(rxws.RxwsError).toBe(errors.RxwsError);
    expect(new rxws.UsageError('x', 'y')).toBeInstanceOf(rxws.RxwsError);
  });
});

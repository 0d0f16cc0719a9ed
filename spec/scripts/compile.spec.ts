import { join } from 'node:path';
import { emitDeclarations } from '../../scripts/compile';
import { packageEntries, root } from '../../scripts/package-entries';

// The changes scripts/compile.ts makes to what `stripInternal` leaves, read in the declarations
// the build ships.
describe('the shipped declarations (scripts/compile.ts)', () => {
  let files: Map<string, string>;
  const file = (path: string) => files.get(join(root, 'dist/types', path))!;

  beforeAll(() => {
    files = emitDeclarations(packageEntries()).files;
  }, 120_000);

  it('give classes users must not construct a protected constructor, not none', () => {
    expect(file('server/route.d.ts')).toMatch(/class Route<TData = unknown> \{\n\s+protected constructor\(\);/);
    expect(file('rx/connection.d.ts')).toMatch(/class Connection<TData = unknown> extends PausableConnection<TData> \{\n\s+protected constructor\(\);/);
    // Users do make servers: their constructor stays public, with its options.
    expect(file('server/server.d.ts')).toMatch(/\n\s+constructor\(options\?: Partial<ServerOptions>\);/);
  });

  it('drop `implements` clauses, which the stripped members would break', () => {
    expect([...files.values()].filter((text) => /\bimplements\b/.test(text.replace(/\/\*[\s\S]*?\*\//g, '')))).toEqual([]);
  });

  it('drop imports and re-exports of internal names', () => {
    expect(file('rx/connection.d.ts')).not.toMatch(/\bTransportListener\b|\bConnectionTracker\b/);
  });

  it('mark each entry point __esModule, so TypeScript knows it has no default export', () => {
    expect(file('index.d.ts')).toMatch(/export declare const __esModule: true;\n$/);
    expect(file('errors.d.ts')).not.toContain('__esModule');
  });
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { collectReference, renderReference } from '../../scripts/reference';

describe('docs/reference.md (generated from TSDoc)', () => {
  const entries = collectReference();

  it('documents every public export with a doc comment', () => {
    expect(entries.filter((e) => e.doc === '').map((e) => e.name)).toEqual([]);
    expect(entries.map((e) => e.name)).toEqual(expect.arrayContaining(['WebSocketServer', 'Connection', 'Route', 'reject']));
  });

  it('is up to date (regenerate with `npx tsx scripts/reference.ts`)', () => {
    const committed = readFileSync(join(__dirname, '../../docs/reference.md'), 'utf8');
    expect(committed).toBe(renderReference(entries));
  });
});

import { readFileSync } from 'node:fs';
import { collectReference, REFERENCE_PATH, renderReference, undocumented, type Reference } from '../../scripts/reference';

// What users see on hover is what the shipped declarations carry: these read the build's own
// `.d.ts` (made in memory, `@internal` stripped, exactly as `npm run build` writes them).
describe('the shipped declarations and docs/reference.md', () => {
  let reference: Reference;

  beforeAll(() => {
    reference = collectReference();
  }, 120_000);

  it('document every public export and every public member (add a TSDoc comment, or mark it /** @internal */)', () => {
    expect(undocumented(reference)).toEqual([]);
  });

  it('compile on their own, as a consumer with skipLibCheck off would check them', () => {
    expect(reference.diagnostics).toEqual([]);
  });

  it('show no internal member: the transport callbacks, the sink plumbing and the route bookkeeping are stripped', () => {
    const main = reference.entries[0]!;
    const members = (name: string) => main.items.find((item) => item.name === name)!.members.map((member) => member.name);
    expect(members('Connection')).toEqual(expect.arrayContaining(['messages$', 'sink', 'send', 'close', 'ping', 'waitForMessage']));
    for (const internal of ['onText', 'onBinary', 'onClosed', 'trySend', 'subscribeMessages', 'sinkError', 'sinkComplete', 'track', 'sendEncoded', 'constructor']) {
      expect(members('Connection')).not.toContain(internal);
    }
    for (const internal of ['add', 'complete', 'connectionClosed', 'constructor']) expect(members('Route')).not.toContain(internal);
  });

  it('list every member with its full signature, never a body or a cut', () => {
    const all = reference.entries.flatMap((entry) => entry.items.flatMap((item) => [...item.signatures, ...item.members.flatMap((m) => m.signatures)]));
    expect(all.filter((signature) => signature.endsWith('...') || /\{\s*(return|const|let|if)\b/.test(signature))).toEqual([]);
    const main = reference.entries[0]!;
    expect(main.items.find((item) => item.name === 'jsonMessages')!.signatures).toEqual([
      'function jsonMessages<T>(onError?: (error: DecodeError) => void): OperatorFunction<Message, T>',
    ]);
    expect(main.items.find((item) => item.name === 'Route')!.members.find((m) => m.name === 'broadcast')!.signatures).toEqual([
      'readonly broadcast: (message: OutgoingMessage, options?: PublishOptions) => number',
    ]);
  });

  it('are what docs/reference.md says', () => {
    const committed = readFileSync(REFERENCE_PATH, 'utf8');
    const current = renderReference(reference);
    if (committed !== current) {
      const committedLines = committed.split('\n');
      const line = current.split('\n').findIndex((text, i) => text !== committedLines[i]);
      throw new Error(
        `docs/reference.md is out of date: run \`npm run reference\` and commit the result.\n` +
          `First difference at line ${line + 1}:\n  committed: ${committedLines[line] ?? '(end of file)'}\n  current:   ${current.split('\n')[line]}`,
      );
    }
  });
});

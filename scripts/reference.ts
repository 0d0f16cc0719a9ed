// Generates docs/reference.md from the TSDoc comments of everything src/index.ts exports, using
// the TypeScript compiler API (no extra tool). `npx tsx scripts/reference.ts` writes the file;
// spec/scripts/reference.spec.ts fails when it is stale or an export has no doc comment.
import { writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

const root = join(__dirname, '..');

export interface ReferenceEntry {
  name: string;
  kind: string;
  file: string;
  signature: string;
  doc: string;
  members: Array<{ name: string; signature: string; doc: string }>;
}

/** Every export of src/index.ts with its kind, declaration, doc comment and documented members. */
export function collectReference(): ReferenceEntry[] {
  const entry = join(root, 'src/index.ts');
  const program = ts.createProgram([entry], { strict: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, types: ['node'] });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(entry)!;
  const moduleSymbol = checker.getSymbolAtLocation(source)!;
  const entries: ReferenceEntry[] = [];
  for (const exported of checker.getExportsOfModule(moduleSymbol)) {
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    const declaration = symbol.declarations?.[0];
    if (declaration === undefined) continue;
    entries.push({
      name: exported.name,
      kind: kindOf(declaration),
      file: relative(root, declaration.getSourceFile().fileName),
      signature: signatureOf(declaration),
      doc: ts.displayPartsToString(symbol.getDocumentationComment(checker)).trim(),
      members: membersOf(declaration, checker),
    });
  }
  return entries.sort((a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name));
}

function kindOf(node: ts.Declaration): string {
  if (ts.isClassDeclaration(node)) return 'class';
  if (ts.isFunctionDeclaration(node)) return 'function';
  if (ts.isInterfaceDeclaration(node)) return 'interface';
  if (ts.isTypeAliasDeclaration(node)) return 'type';
  if (ts.isVariableDeclaration(node)) return 'constant';
  return 'other';
}

/** The declaration's first line(s), without bodies: what a reader needs to call it. */
function signatureOf(node: ts.Declaration): string {
  const text = node.getText();
  if (ts.isFunctionDeclaration(node)) return text.slice(0, text.indexOf('{', text.indexOf(')'))).trim();
  if (ts.isClassDeclaration(node)) return text.slice(0, text.indexOf('{')).trim();
  if (ts.isInterfaceDeclaration(node)) return text.slice(0, text.indexOf('{')).trim();
  if (ts.isVariableDeclaration(node)) {
    const firstLine = text.split('\n')[0]!;
    return `const ${firstLine.length > 120 ? `${firstLine.slice(0, 117)}...` : firstLine}`;
  }
  return text.length > 400 ? `${text.slice(0, 397)}...` : text;
}

function membersOf(node: ts.Declaration, checker: ts.TypeChecker): ReferenceEntry['members'] {
  if (!ts.isClassDeclaration(node) && !ts.isInterfaceDeclaration(node)) return [];
  const members: ReferenceEntry['members'] = [];
  for (const member of node.members) {
    const modifiers = ts.canHaveModifiers(member) ? ts.getModifiers(member) ?? [] : [];
    if (modifiers.some((m) => m.kind === ts.SyntaxKind.PrivateKeyword || m.kind === ts.SyntaxKind.ProtectedKeyword)) continue;
    if (member.name === undefined || ts.isPrivateIdentifier(member.name)) continue;
    if (ts.isConstructorDeclaration(member)) continue;
    const symbol = checker.getSymbolAtLocation(member.name);
    const doc = symbol === undefined ? '' : ts.displayPartsToString(symbol.getDocumentationComment(checker)).trim();
    if (ts.getJSDocTags(member).some((tag) => tag.tagName.text === 'internal')) continue;
    const body = (member as { body?: ts.Node }).body;
    const full = member.getText();
    const head = body === undefined ? full : full.slice(0, body.getStart() - member.getStart());
    const text = head.replace(/\s+/g, ' ').trim().replace(/;$/, '');
    members.push({ name: member.name.getText(), signature: text.length > 200 ? `${text.slice(0, 197)}...` : text, doc });
  }
  return members;
}

/** The markdown of docs/reference.md. */
export function renderReference(entries: ReferenceEntry[]): string {
  const lines = [
    '# API reference',
    '',
    'Generated from the TSDoc comments of `src/index.ts` by `npx tsx scripts/reference.ts`; do not edit by hand.',
    '',
  ];
  for (const kind of ['class', 'function', 'constant', 'interface', 'type']) {
    const group = entries.filter((e) => e.kind === kind);
    if (group.length === 0) continue;
    lines.push(`## ${kind === 'class' ? 'Classes' : kind === 'function' ? 'Functions' : kind === 'constant' ? 'Constants' : kind === 'interface' ? 'Interfaces' : 'Types'}`, '');
    for (const e of group) {
      lines.push(`### ${e.name}`, '', '```ts', e.signature, '```', '', e.doc, '', `Source: [${e.file}](../${e.file})`, '');
      const documented = e.members.filter((m) => m.doc !== '' || e.kind === 'interface');
      if (documented.length > 0) {
        lines.push('| member | description |', '| --- | --- |');
        for (const m of documented) lines.push(`| \`${m.signature.replace(/\|/g, '\\|')}\` | ${m.doc.replace(/\n+/g, ' ').replace(/\|/g, '\\|')} |`);
        lines.push('');
      }
    }
  }
  return `${lines.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}

if (require.main === module) {
  const entries = collectReference();
  writeFileSync(join(root, 'docs/reference.md'), renderReference(entries));
  const undocumented = entries.filter((e) => e.doc === '').map((e) => e.name);
  console.log(`docs/reference.md: ${entries.length} exports${undocumented.length ? `; undocumented: ${undocumented.join(', ')}` : ''}`);
}

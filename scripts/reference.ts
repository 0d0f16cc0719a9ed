// The API reference, read from the declarations the package ships (the build's own `.d.ts`, made
// in memory by scripts/compile.ts, `@internal` members stripped): what users see on hover and in
// autocomplete is exactly what is listed and checked here.
//
//   npm run reference      (tsx scripts/reference.ts) writes docs/reference.md
//
// spec/scripts/reference.spec.ts fails when docs/reference.md is stale, when a public export or
// member has no doc comment, or when the shipped declarations do not compile.
import { readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { emitDeclarations } from './compile';
import { packageEntries, readPackageJson, root, type PackageEntry } from './package-entries';

export interface ReferenceMember {
  name: string;
  /** The member's declarations as TypeScript prints them (one per overload), comments removed. */
  signatures: string[];
  /** Each declaration's doc comment, '' where it has none. */
  docs: string[];
}

export interface ReferenceItem {
  name: string;
  kind: 'class' | 'function' | 'constant' | 'interface' | 'type';
  /** The source file it comes from, e.g. src/server/route.ts. */
  source: string;
  signatures: string[];
  docs: string[];
  /** Public members, its own and those inherited from classes or interfaces that are not exported. */
  members: ReferenceMember[];
  /** Exported classes or interfaces whose members it has too (listed under their own name). */
  inherits: string[];
}

export interface EntryReference {
  specifier: string;
  items: ReferenceItem[];
  /** Exports that are the very same declarations as in the main entry (listed there). */
  shared: string[];
}

export interface Reference {
  entries: EntryReference[];
  /** Errors in the declarations themselves, as a user checking them would see. */
  diagnostics: string[];
}

const printer = ts.createPrinter({ removeComments: true, newLine: ts.NewLineKind.LineFeed });

/** Builds the declarations and reads every entry point's public API from them. */
export function collectReference(): Reference {
  const entries = packageEntries();
  const { files, diagnostics: emitDiagnostics } = emitDeclarations(entries);
  const program = declarationProgram(files, entries);
  const checker = program.getTypeChecker();
  const diagnostics = [
    ...emitDiagnostics.filter((d) => d.category === ts.DiagnosticCategory.Error && d.code >= 4000 && d.code < 5000),
    ...program.getSourceFiles().filter((file) => files.has(resolve(file.fileName))).flatMap((file) => program.getSemanticDiagnostics(file)),
  ].map(describeDiagnostic);

  /** An entry's exports (but the `__esModule` marker): name and declarations. */
  const exportsOf = (entry: PackageEntry) =>
    checker
      .getExportsOfModule(checker.getSymbolAtLocation(program.getSourceFile(resolve(root, entry.cjsTypes))!)!)
      .filter((exported) => exported.name !== '__esModule')
      .map((exported) => {
        const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
        return { name: exported.name, declarations: (symbol.declarations ?? []).filter(isDescribed) };
      });
  // Members inherited from an exported class or interface are listed there, not again.
  const exportedTypes = new Set<ts.Node>(
    entries.flatMap((entry) => exportsOf(entry).flatMap(({ declarations }) => declarations.filter((d) => ts.isClassDeclaration(d) || ts.isInterfaceDeclaration(d)))),
  );
  const ours = new Set(files.keys());
  const seen = new Set<ts.Declaration>();
  const result: EntryReference[] = [];
  for (const entry of entries) {
    const items: ReferenceItem[] = [];
    const shared: string[] = [];
    for (const { name, declarations } of exportsOf(entry)) {
      if (declarations.length === 0) continue;
      if (seen.has(declarations[0]!)) {
        shared.push(name);
        continue;
      }
      seen.add(declarations[0]!);
      items.push(describe(name, declarations, checker, exportedTypes, ours));
    }
    items.sort((a, b) => KINDS.indexOf(a.kind) - KINDS.indexOf(b.kind) || a.name.localeCompare(b.name));
    result.push({ specifier: entry.specifier, items, shared: shared.sort() });
  }
  return { entries: result, diagnostics };
}

const KINDS: Array<ReferenceItem['kind']> = ['class', 'function', 'constant', 'interface', 'type'];

type Described = ts.ClassDeclaration | ts.FunctionDeclaration | ts.VariableDeclaration | ts.InterfaceDeclaration | ts.TypeAliasDeclaration;

function isDescribed(node: ts.Declaration): node is Described {
  return ts.isClassDeclaration(node) || ts.isFunctionDeclaration(node) || ts.isVariableDeclaration(node) || ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node);
}

/** A program over the in-memory declarations (and the real node_modules), as a consumer sees them. */
function declarationProgram(files: Map<string, string>, entries: readonly PackageEntry[]): ts.Program {
  const options: ts.CompilerOptions = {
    module: ts.ModuleKind.Node16,
    moduleResolution: ts.ModuleResolutionKind.Node16,
    target: ts.ScriptTarget.ES2022,
    strict: true,
    noEmit: true,
    types: ['node'],
  };
  const host = ts.createCompilerHost(options, true);
  const { fileExists, readFile, getSourceFile, directoryExists } = host;
  // dist/ need not exist on disk: module resolution asks for the directories too.
  const directories = new Set([...files.keys()].flatMap((file) => file.split('/').slice(1, -1).map((_, i, parts) => `/${parts.slice(0, i + 1).join('/')}`)));
  host.directoryExists = (name) => directories.has(resolve(name)) || (directoryExists?.call(host, name) ?? false);
  host.fileExists = (name) => files.has(resolve(name)) || fileExists.call(host, name);
  host.readFile = (name) => files.get(resolve(name)) ?? readFile.call(host, name);
  host.getSourceFile = (name, languageVersion, ...rest) => {
    const text = files.get(resolve(name));
    return text === undefined ? getSourceFile.call(host, name, languageVersion, ...rest) : ts.createSourceFile(name, text, languageVersion, true);
  };
  return ts.createProgram(
    entries.map((entry) => resolve(root, entry.cjsTypes)),
    options,
    host,
  );
}

function describeDiagnostic(diagnostic: ts.Diagnostic): string {
  const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ');
  if (diagnostic.file === undefined) return message;
  const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
  return `${relative(root, diagnostic.file.fileName)}:${line + 1}: ${message}`;
}

function describe(name: string, declarations: Described[], checker: ts.TypeChecker, exportedTypes: ReadonlySet<ts.Node>, ours: ReadonlySet<string>): ReferenceItem {
  const first = declarations[0]!;
  const kind: ReferenceItem['kind'] = ts.isClassDeclaration(first)
    ? 'class'
    : ts.isFunctionDeclaration(first)
      ? 'function'
      : ts.isVariableDeclaration(first)
        ? 'constant'
        : ts.isInterfaceDeclaration(first)
          ? 'interface'
          : 'type';
  const source = relative(root, first.getSourceFile().fileName).replace(/^dist\/types\//, 'src/').replace(/\.d\.ts$/, '.ts');
  return {
    name,
    kind,
    source,
    signatures: declarations.map(headerOf),
    docs: declarations.map(docOf),
    ...membersOf(first, checker, exportedTypes, ours),
  };
}

function print(node: ts.Node): string {
  return printer.printNode(ts.EmitHint.Unspecified, node, node.getSourceFile());
}

/** What to call it with: the declaration without `export declare`, and without a class body. */
function headerOf(node: Described): string {
  if (ts.isVariableDeclaration(node)) return `const ${node.name.getText()}${node.type === undefined ? '' : `: ${print(node.type)}`}`;
  if (ts.isClassDeclaration(node) || ts.isInterfaceDeclaration(node)) {
    const f = ts.factory;
    const bare = ts.isClassDeclaration(node)
      ? f.updateClassDeclaration(node, node.modifiers, node.name, node.typeParameters, node.heritageClauses, [])
      : f.updateInterfaceDeclaration(node, node.modifiers, node.name, node.typeParameters, node.heritageClauses, []);
    const text = print(bare);
    return stripModifiers(text.slice(0, text.lastIndexOf('{')).trim());
  }
  return stripModifiers(print(node)).replace(/;$/, '');
}

function stripModifiers(text: string): string {
  return text.replace(/^(export )?(declare )?/, '');
}

/**
 * The public members of a class or interface (own and inherited, as autocomplete offers them), or
 * of a constant's object type (CloseCode).
 */
function membersOf(node: Described, checker: ts.TypeChecker, exportedTypes: ReadonlySet<ts.Node>, ours: ReadonlySet<string>): Pick<ReferenceItem, 'members' | 'inherits'> {
  const members: ReferenceMember[] = [];
  const inherits = new Set<string>();
  const add = (member: ts.Declaration) => {
    const modifiers = ts.canHaveModifiers(member) ? (ts.getModifiers(member) ?? []) : [];
    if (modifiers.some((m) => m.kind === ts.SyntaxKind.PrivateKeyword || m.kind === ts.SyntaxKind.ProtectedKeyword)) return;
    const memberName = (member as { name?: ts.PropertyName }).name;
    if (memberName !== undefined && ts.isPrivateIdentifier(memberName)) return;
    const name = memberName === undefined ? (ts.isConstructorDeclaration(member) ? 'constructor' : print(member).replace(/\s+/g, ' ')) : memberName.getText();
    // A setter goes with its getter: one member, documented once.
    if (ts.isSetAccessorDeclaration(member) && members.some((m) => m.name === name)) return;
    const signature = stripModifiers(print(member).replace(/\s+/g, ' ').trim()).replace(/;$/, '');
    const existing = members.find((m) => m.name === name);
    if (existing !== undefined) {
      existing.signatures.push(signature);
      existing.docs.push(docOf(member));
    } else {
      members.push({ name, signatures: [signature], docs: [docOf(member)] });
    }
  };
  if (ts.isVariableDeclaration(node)) {
    if (node.type !== undefined && ts.isTypeLiteralNode(node.type)) node.type.members.forEach(add);
  } else if (ts.isClassDeclaration(node) || ts.isInterfaceDeclaration(node)) {
    node.members.filter(ts.isConstructorDeclaration).forEach(add);
    const type = checker.getDeclaredTypeOfSymbol(checker.getSymbolAtLocation(node.name!)!);
    for (const property of checker.getPropertiesOfType(type)) {
      for (const declaration of property.declarations ?? []) {
        const owner = declaration.parent;
        // Inherited from an exported type of ours, or from outside the package (Error's message).
        const elsewhere = exportedTypes.has(owner) || !ours.has(resolve(declaration.getSourceFile().fileName));
        if (owner === node || !elsewhere) add(declaration);
        else if ((ts.isClassDeclaration(owner) || ts.isInterfaceDeclaration(owner)) && owner.name !== undefined) inherits.add(owner.name.text);
      }
    }
  }
  return { members, inherits: [...inherits].sort() };
}

/** The doc comment of one declaration, with its tags (`@default 10`, `@throws ...`). */
function docOf(node: ts.Node): string {
  const comments = ts.getJSDocCommentsAndTags(node).filter(ts.isJSDoc);
  const doc = comments[comments.length - 1];
  if (doc === undefined) return '';
  const text = (ts.getTextOfJSDocComment(doc.comment) ?? '').trim();
  if (text === '') return '';
  const tags = (doc.tags ?? []).map((tag) => {
    const name = ts.isJSDocParameterTag(tag) ? ` \`${tag.name.getText()}\`` : '';
    return `*@${tag.tagName.text}*${name} ${ts.getTextOfJSDocComment(tag.comment) ?? ''}`.trim();
  });
  return [text, ...tags].join('\n\n');
}

/** Every public export or member with no doc comment, as `Name` or `Name.member`. */
export function undocumented(reference: Reference): string[] {
  const missing: string[] = [];
  for (const entry of reference.entries) {
    const prefix = reference.entries.length > 1 && entry !== reference.entries[0] ? `${entry.specifier}: ` : '';
    for (const item of entry.items) {
      if (item.docs.some((doc) => doc === '')) missing.push(`${prefix}${item.name}`);
      for (const member of item.members) {
        if (member.docs.some((doc) => doc === '')) missing.push(`${prefix}${item.name}.${member.name}`);
      }
    }
  }
  return missing;
}

const HEADINGS: Record<ReferenceItem['kind'], string> = {
  class: 'Classes',
  function: 'Functions',
  constant: 'Constants',
  interface: 'Interfaces',
  type: 'Types',
};

/** The markdown of docs/reference.md. */
export function renderReference(reference: Reference): string {
  const repository = repositoryUrl();
  const lines = [
    '# API reference',
    '',
    'Every export of the package with its signature and documentation, generated from the type',
    'declarations the package ships by `npm run reference` (`scripts/reference.ts`): do not edit by hand.',
    '',
  ];
  for (const entry of reference.entries) {
    lines.push(`## ${entry.specifier}`, '');
    if (entry.shared.length > 0) lines.push(`Also exports, as documented above: ${entry.shared.map((name) => `\`${name}\``).join(', ')}.`, '');
    for (const kind of KINDS) {
      const group = entry.items.filter((item) => item.kind === kind);
      if (group.length === 0) continue;
      lines.push(`### ${HEADINGS[kind]}`, '');
      for (const item of group) {
        lines.push(`#### ${item.name}`, '');
        item.signatures.forEach((signature, i) => {
          lines.push('```ts', signature, '```', '');
          if (item.docs[i] !== '' && item.docs[i] !== item.docs[i - 1]) lines.push(item.docs[i]!, '');
        });
        if (item.inherits.length > 0) lines.push(`Has every member of ${item.inherits.map((name) => `\`${name}\``).join(', ')} too.`, '');
        for (const member of item.members) {
          member.signatures.forEach((signature, i) => {
            const doc = member.docs[i] !== member.docs[i - 1] ? member.docs[i]! : '';
            lines.push(`- \`${signature}\``);
            if (doc !== '') lines.push(...doc.split('\n').map((line) => (line === '' ? '' : `  ${line}`)));
            lines.push('');
          });
        }
        lines.push(`Source: [${item.source}](${repository}/blob/main/${item.source})`, '');
      }
    }
  }
  return `${lines.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}

/** https://github.com/owner/name, from package.json "repository". */
function repositoryUrl(): string {
  const { repository } = readPackageJson() as { repository?: { url?: string } };
  const match = /github\.com\/([^/]+\/[^/.]+)/.exec(repository?.url ?? '');
  if (match === null) throw new Error('package.json "repository" must name a GitHub repository');
  return `https://github.com/${match[1]}`;
}

export const REFERENCE_PATH = join(root, 'docs/reference.md');

if (require.main === module) {
  const reference = collectReference();
  const text = renderReference(reference);
  if (readFileSync(REFERENCE_PATH, 'utf8') !== text) writeFileSync(REFERENCE_PATH, text);
  const missing = undocumented(reference);
  const count = reference.entries.reduce((n, entry) => n + entry.items.length, 0);
  console.log(`docs/reference.md: ${count} exports`);
  if (missing.length > 0 || reference.diagnostics.length > 0) {
    if (missing.length > 0) console.error(`undocumented (add a doc comment, or mark it /** @internal */):\n  ${missing.join('\n  ')}`);
    if (reference.diagnostics.length > 0) console.error(`the declarations do not compile:\n  ${reference.diagnostics.join('\n  ')}`);
    process.exitCode = 1;
  }
}

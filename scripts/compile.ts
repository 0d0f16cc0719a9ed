// Compiles src/ as tsconfig.build.json says, through the TypeScript compiler API rather than the
// tsc command, so that the build (scripts/build.ts) and the API reference (scripts/reference.ts)
// get the very same declarations, and so that two fixes the command cannot make are applied to
// them (see publicDeclarations).
import { join, resolve } from 'node:path';
import ts from 'typescript';
import { root, type PackageEntry } from './package-entries';

/** The compiler options and files of tsconfig.build.json. */
export function buildConfig(): ts.ParsedCommandLine {
  const configPath = join(root, 'tsconfig.build.json');
  const config = ts.getParsedCommandLineOfConfigFile(configPath, {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
      throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
    },
  });
  if (config === undefined) throw new Error(`cannot read ${configPath}`);
  return config;
}

export function buildProgram(config: ts.ParsedCommandLine = buildConfig()): ts.Program {
  return ts.createProgram({ rootNames: config.fileNames, options: config.options, projectReferences: config.projectReferences });
}

/**
 * Emits the program: JavaScript and declarations to disk by default, or only the declarations to
 * `writeFile`. Returns every diagnostic (type errors included), for the caller to report.
 */
export function emit(
  program: ts.Program,
  entries: readonly PackageEntry[],
  writeFile?: ts.WriteFileCallback,
): readonly ts.Diagnostic[] {
  const result = program.emit(undefined, writeFile, undefined, writeFile !== undefined, {
    afterDeclarations: [publicDeclarations(entries, program.getTypeChecker())],
  });
  return [...ts.getPreEmitDiagnostics(program), ...result.diagnostics];
}

/** The declaration files of the build, in memory: output path → text. */
export function emitDeclarations(entries: readonly PackageEntry[]): { files: Map<string, string>; diagnostics: readonly ts.Diagnostic[] } {
  const files = new Map<string, string>();
  const diagnostics = emit(buildProgram(), entries, (fileName, text) => files.set(resolve(fileName), text));
  return { files, diagnostics };
}

export function formatDiagnostics(diagnostics: readonly ts.Diagnostic[]): string {
  return ts.formatDiagnostics(diagnostics, {
    getCanonicalFileName: (fileName) => fileName,
    getCurrentDirectory: () => root,
    getNewLine: () => '\n',
  });
}

/**
 * Four changes to the declarations `stripInternal` leaves:
 *
 * - A class whose constructor is `@internal` (Route, Connection: made by the library, never by
 *   users) would lose the constructor and so seem to have a public one taking no argument;
 *   it gets `protected constructor();` instead, so `new Route()` does not type-check and
 *   subclasses in the declarations still do.
 * - `implements` clauses are dropped. A class that implements an interface with its internal
 *   members (Connection's transport callbacks) no longer does once they are stripped, and the
 *   declarations would not compile for users who check them (skipLibCheck off). The clause adds
 *   nothing for users: types are structural, and tsc has checked it on the sources.
 * - Imports and re-exports of `@internal` declarations are dropped with them: `stripInternal`
 *   removes the declaration but keeps `import { Internal }` and `export { Internal } from`, which
 *   then name nothing.
 * - Each entry point declares the `__esModule` marker its CommonJS file really sets. TypeScript
 *   then knows the module has no default export, and rejects `import rxws from '@rxws/rxws'` in
 *   CommonJS code, which at run time would give `undefined`.
 */
function publicDeclarations(entries: readonly PackageEntry[], checker: ts.TypeChecker): ts.TransformerFactory<ts.SourceFile | ts.Bundle> {
  const specifiers = new Map(entries.map((entry) => [resolve(root, entry.source), entry.specifier]));
  return (context) => (node) => {
    if (!ts.isSourceFile(node)) return node;
    const f = context.factory;
    const statements = node.statements.flatMap((statement): ts.Statement[] => {
      if (ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)) {
        const kept = withoutInternalNames(f, statement, checker);
        return kept === undefined ? [] : [kept];
      }
      if (!ts.isClassDeclaration(statement)) return [statement];
      const heritage = statement.heritageClauses?.filter((clause) => clause.token === ts.SyntaxKind.ExtendsKeyword);
      const original = ts.getOriginalNode(statement);
      const hideConstructor =
        ts.isClassDeclaration(original) &&
        original.members.some((member) => ts.isConstructorDeclaration(member) && isInternal(member)) &&
        !statement.members.some(ts.isConstructorDeclaration);
      const members = hideConstructor
        ? [f.createConstructorDeclaration([f.createModifier(ts.SyntaxKind.ProtectedKeyword)], [], undefined), ...statement.members]
        : statement.members;
      return [f.updateClassDeclaration(statement, statement.modifiers, statement.name, statement.typeParameters, heritage, members)];
    });
    const specifier = specifiers.get(resolve(node.fileName));
    if (specifier !== undefined) statements.push(esModuleMarker(f, specifier));
    return f.updateSourceFile(node, statements);
  };
}

function isInternal(node: ts.Node): boolean {
  return ts.getJSDocTags(node).some((tag) => tag.tagName.text === 'internal');
}

/** An import or export declaration without the names that resolve to `@internal` declarations;
 *  undefined when no name is left. */
function withoutInternalNames(f: ts.NodeFactory, statement: ts.ImportDeclaration | ts.ExportDeclaration, checker: ts.TypeChecker): ts.Statement | undefined {
  const isPublic = (element: ts.ImportSpecifier | ts.ExportSpecifier) => {
    const original = ts.getOriginalNode(element) as ts.ImportSpecifier | ts.ExportSpecifier;
    const symbol = checker.getSymbolAtLocation(original.name);
    const target = symbol !== undefined && symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
    return !(target?.declarations ?? []).some(isInternal);
  };
  if (ts.isImportDeclaration(statement)) {
    const clause = statement.importClause;
    const named = clause?.namedBindings;
    if (clause === undefined || named === undefined || !ts.isNamedImports(named)) return statement;
    const elements = named.elements.filter(isPublic);
    if (elements.length === named.elements.length) return statement;
    if (elements.length === 0 && clause.name === undefined) return undefined;
    const bindings = elements.length === 0 ? undefined : f.updateNamedImports(named, elements);
    return f.updateImportDeclaration(statement, statement.modifiers, f.updateImportClause(clause, clause.phaseModifier, clause.name, bindings), statement.moduleSpecifier, statement.attributes);
  }
  const named = statement.exportClause;
  if (named === undefined || !ts.isNamedExports(named)) return statement;
  const elements = named.elements.filter(isPublic);
  if (elements.length === named.elements.length) return statement;
  if (elements.length === 0) return undefined;
  return f.updateExportDeclaration(statement, statement.modifiers, statement.isTypeOnly, f.updateNamedExports(named, elements), statement.moduleSpecifier, statement.attributes);
}

function esModuleMarker(f: ts.NodeFactory, specifier: string): ts.Statement {
  const marker = f.createVariableStatement(
    [f.createModifier(ts.SyntaxKind.ExportKeyword), f.createModifier(ts.SyntaxKind.DeclareKeyword)],
    f.createVariableDeclarationList([f.createVariableDeclaration('__esModule', undefined, f.createLiteralTypeNode(f.createTrue()))], ts.NodeFlags.Const),
  );
  return ts.addSyntheticLeadingComment(
    marker,
    ts.SyntaxKind.MultiLineCommentTrivia,
    '*\n * Set by the CommonJS build, as in every compiled ES module. This package has no default\n' +
      ` * export: import names (\`import { name } from '${specifier}'\`) or the namespace\n` +
      ` * (\`import * as rxws from '${specifier}'\`).\n `,
    true,
  );
}

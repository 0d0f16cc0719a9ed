// The ES module bundle of an entry for browser bundlers (dist/browser/<entry>.mjs), served under
// the "browser" condition of its package.json "exports" (see scripts/package-entries.ts).
//
// Why a second build of the same sources: the main build is CommonJS with an ES module face
// (scripts/build.ts), which keeps one implementation for Node. A bundler cannot tree-shake
// CommonJS, so an app importing only `connect` from it would carry the whole entry and every
// module it requires (permessage-deflate's option checks included): about 63 KB minified. From
// this ES module it keeps only what the app reaches, as from the sources. In a browser nothing
// else loads the CommonJS build, so there is no second copy of the classes to tell apart.
//
// The bundle also gives the library's internal members short names (esbuild's mangleProps), which
// an app's minifier cannot do: property names are the larger part of what is left once it has
// shortened the variables. Only members no user can reach are renamed: `private` ones and those
// marked `@internal` (stripped from the published types), and only when no other property of the
// same name appears in the bundle (an array's `push`, an option, a DOM or rxjs member), because
// esbuild renames a name everywhere it appears. See internalMemberNames.
//
// Built by scripts/build.ts; spec/browser.spec.ts bundles apps from it, in memory, for the size
// budget, and the real-browser specs run on it.
import { build, type BuildOptions, type OutputFile } from 'esbuild';
import { join, resolve } from 'node:path';
import ts from 'typescript';
import { buildConfig } from './compile';
import { root, type PackageEntry } from './package-entries';

/** An entry that has a browser bundle. */
export type BrowserEntry = PackageEntry & { browser: string };

/** The esbuild options of the bundle: ES2022, rxjs left to the app, not minified (the app's
 *  bundler minifies; the bundle stays readable and keeps its pure annotations), with the given
 *  internal member names shortened. */
export function browserBundleOptions(entry: BrowserEntry, mangledNames: readonly string[]): BuildOptions {
  return {
    absWorkingDir: root,
    entryPoints: [join(root, entry.source)],
    outfile: join(root, entry.browser),
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    external: ['rxjs'],
    sourcemap: true,
    sourcesContent: true,
    legalComments: 'none',
    logLevel: 'silent',
    ...(mangledNames.length > 0 ? { mangleProps: new RegExp(`^(${mangledNames.join('|')})$`) } : {}),
  };
}

/** Builds the bundle: to disk, or (`write: false`) in memory, its files returned (the bundle
 *  first, then its source map). */
export async function buildBrowserBundle(entry: BrowserEntry, write = true): Promise<OutputFile[]> {
  const mangledNames = internalMemberNames(await bundledSources(entry));
  const result = await build({ ...browserBundleOptions(entry, mangledNames), write });
  return (result.outputFiles ?? []).sort((a, b) => Number(a.path.endsWith('.map')) - Number(b.path.endsWith('.map')));
}

/** The source files whose code goes into the entry's bundle (not those imported for types only,
 *  nor those whose every statement is dropped as unused). */
export async function bundledSources(entry: BrowserEntry): Promise<string[]> {
  const result = await build({ ...browserBundleOptions(entry, []), write: false, sourcemap: false, metafile: true });
  const files = new Set<string>();
  for (const output of Object.values(result.metafile!.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) if (bytesInOutput > 0) files.add(resolve(root, input));
  }
  return [...files];
}

/**
 * The names of the members that may be renamed in a bundle of `files`: each declared `private`,
 * or `@internal` (itself, or its class or interface), in one of our sources, and every use of the
 * name in `files` refers to such a member. A name is left alone when any property of that name
 * resolves elsewhere (a public member, an option, a built-in, an rxjs or DOM member), or nowhere
 * (a property of `any`), or is read with a string (`x['name']`, `'name' in x`), or is a member of
 * a base class from outside our sources (rxjs's Observable, Error), which that class may read.
 */
export function internalMemberNames(files: readonly string[]): string[] {
  const options = buildConfig().options;
  const program = ts.createProgram({ rootNames: [...files], options });
  const checker = program.getTypeChecker();
  const sourceDir = join(root, 'src');
  const ours = (node: ts.Node) => resolve(node.getSourceFile().fileName).startsWith(sourceDir);
  const isInternal = (declaration: ts.Declaration): boolean => {
    if (!ours(declaration)) return false;
    const modifiers = ts.canHaveModifiers(declaration) ? (ts.getModifiers(declaration) ?? []) : [];
    if (modifiers.some((m) => m.kind === ts.SyntaxKind.PrivateKeyword)) return true;
    if (hasInternalTag(declaration)) return true;
    const owner = declaration.parent;
    return (ts.isClassDeclaration(owner) || ts.isInterfaceDeclaration(owner)) && hasInternalTag(owner);
  };
  const candidates = new Set<string>();
  const kept = new Set<string>();
  const judge = (name: ts.Node) => {
    if (!ts.isIdentifier(name) && !ts.isPrivateIdentifier(name)) return;
    if (ts.isPrivateIdentifier(name)) return; // `#name`: esbuild shortens those itself
    const declarations = literalTargetOf(name) ?? checker.getSymbolAtLocation(name)?.declarations ?? [];
    if (declarations.length > 0 && declarations.every(isInternal)) candidates.add(name.text);
    else kept.add(name.text);
  };
  /** A member of an object literal written for a type (`const plan: Plan = { url }`, a return
   *  value, an argument) is the member of that type it fills: the declarations of that member,
   *  or undefined where the literal has no such type (then it is its own declaration). */
  const literalTargetOf = (name: ts.Identifier): ts.Declaration[] | undefined => {
    const member = name.parent;
    if (!(ts.isPropertyAssignment(member) || ts.isShorthandPropertyAssignment(member)) || member.name !== name) return undefined;
    const target = checker.getContextualType(member.parent)?.getProperty(name.text)?.declarations;
    return target !== undefined && target.length > 0 ? target : undefined;
  };
  const fileSet = new Set(files);
  for (const file of program.getSourceFiles()) {
    if (!fileSet.has(resolve(file.fileName))) continue;
    const visit = (node: ts.Node): void => {
      if (ts.isPropertyAccessExpression(node)) judge(node.name);
      else if (ts.isShorthandPropertyAssignment(node)) judge(node.name);
      else if (ts.isBindingElement(node)) judge(node.propertyName ?? node.name);
      else if (
        ts.isPropertyDeclaration(node) ||
        ts.isMethodDeclaration(node) ||
        ts.isGetAccessorDeclaration(node) ||
        ts.isSetAccessorDeclaration(node) ||
        ts.isPropertySignature(node) ||
        ts.isMethodSignature(node) ||
        ts.isPropertyAssignment(node)
      ) {
        judge(node.name);
      } else if (ts.isParameter(node) && ts.isParameterPropertyDeclaration(node, node.parent)) {
        judge(node.name);
      } else if (ts.isElementAccessExpression(node) && ts.isStringLiteralLike(node.argumentExpression)) {
        kept.add(node.argumentExpression.text);
      } else if (ts.isBinaryExpression(node) && node.operatorToken.kind === ts.SyntaxKind.InKeyword && ts.isStringLiteralLike(node.left)) {
        kept.add(node.left.text);
      } else if (ts.isClassLike(node)) {
        // What a base class from elsewhere has, it may read on our instances.
        const type = checker.getTypeAtLocation(node);
        for (const base of (type.isClassOrInterface() ? checker.getBaseTypes(type) : []).flatMap(externalBases)) {
          for (const property of checker.getPropertiesOfType(base)) kept.add(property.name);
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(file);
  }
  return [...candidates].filter((name) => !kept.has(name)).sort();

  /** `type`, if it comes from outside our sources, else its own external bases. */
  function externalBases(type: ts.Type): ts.Type[] {
    const declaration = type.getSymbol()?.declarations?.[0];
    if (declaration === undefined || !ours(declaration)) return [type];
    return type.isClassOrInterface() ? checker.getBaseTypes(type).flatMap(externalBases) : [];
  }
}

function hasInternalTag(node: ts.Node): boolean {
  return ts.getJSDocTags(node).some((tag) => tag.tagName.text === 'internal');
}

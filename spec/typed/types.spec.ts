// The types of typed(): fixture files under fixtures/pass must compile as they are, and each file
// under fixtures/fail must fail exactly where it says (a `// expect-error: TSnnnn` comment names
// the error expected on the next line). The fixtures are outside the project's tsconfig, so
// `tsc --noEmit -p .` does not trip over the failing ones; they are compiled here with the same
// compiler options.
import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';

const fixtures = path.join(__dirname, 'fixtures');
const list = (dir: string) => fs.readdirSync(path.join(fixtures, dir)).filter((f) => f.endsWith('.ts')).map((f) => path.join(fixtures, dir, f));
const passing = list('pass');
const failing = list('fail');

let diagnostics: Map<string, ts.Diagnostic[]>;
let global: readonly ts.Diagnostic[];

beforeAll(() => {
  const root = path.join(__dirname, '../..');
  const config = ts.readConfigFile(path.join(root, 'tsconfig.json'), (file) => ts.sys.readFile(file));
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, root);
  const program = ts.createProgram([...passing, ...failing], { ...parsed.options, noEmit: true });
  global = [...program.getGlobalDiagnostics(), ...program.getOptionsDiagnostics()];
  diagnostics = new Map();
  for (const file of [...passing, ...failing]) {
    const source = program.getSourceFile(file)!;
    diagnostics.set(file, [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)]);
  }
}, 120_000);

const show = (d: ts.Diagnostic): string => {
  const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line + 1 : 0;
  return `line ${line} TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
};

describe('type fixtures', () => {
  it('compile without global or option errors', () => {
    expect(global.map(show)).toEqual([]);
    expect(passing.length).toBeGreaterThanOrEqual(3);
    expect(failing.length).toBeGreaterThanOrEqual(8);
  });

  it.each(passing.map((f) => [path.basename(f), f]))('pass/%s compiles', (_name, file) => {
    expect(diagnostics.get(file)!.map(show)).toEqual([]);
  });

  it.each(failing.map((f) => [path.basename(f), f]))('fail/%s fails where it says, and only there', (_name, file) => {
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    const expected: string[] = [];
    lines.forEach((text, i) => {
      const marker = /\/\/ expect-error: TS(\d+)/.exec(text);
      if (marker !== null) expected.push(`line ${i + 2} TS${marker[1]}`);
    });
    expect(expected.length).toBeGreaterThan(0);
    const got = diagnostics.get(file)!.map(show);
    expect(got.map((d) => d.replace(/:[^]*$/, ''))).toEqual(expected);
  });
});

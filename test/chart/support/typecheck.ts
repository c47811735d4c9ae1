/**
 * Type-checks JSON values against TypeScript types with the compiler API: the
 * values become object literals in a virtual file, so TypeScript's excess
 * property checks refuse unknown fields at every depth, and wrong types fail.
 */
import { join } from 'node:path';
import ts from 'typescript';
import { REPO_ROOT } from './helm';

export interface TypedValue {
  /** Module to import the type from, such as '@grafana/schema'. */
  from: string;
  /** The exported type's name. */
  type: string;
  value: unknown;
  /** Named in the errors. */
  label: string;
}

const options: ts.CompilerOptions = {
  strict: true,
  noEmit: true,
  skipLibCheck: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  // Honours the packages' "exports" (these model packages have no other entry).
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  types: [],
};

/** Answers TypeScript's errors, each naming the value's label; empty when all values fit. */
export function typeCheck(values: TypedValue[]): string[] {
  const fileName = join(REPO_ROOT, 'test/chart/__typecheck__.ts');
  const imports = new Map<string, Set<string>>();
  for (const { from, type } of values) imports.set(from, (imports.get(from) ?? new Set()).add(type));
  const lines = [...imports].map(([from, types]) => `import type { ${[...types].join(', ')} } from '${from}';`);
  const firstValueLine = lines.length;
  values.forEach(({ type, value }, i) => lines.push(`export const value${i}: ${type} = ${JSON.stringify(value)};`));
  const text = lines.join('\n');

  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, languageVersion, ...rest) =>
    name === fileName
      ? ts.createSourceFile(name, text, languageVersion)
      : getSourceFile(name, languageVersion, ...rest);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => name === fileName || fileExists(name);
  const readFile = host.readFile.bind(host);
  host.readFile = (name) => (name === fileName ? text : readFile(name));

  const program = ts.createProgram([fileName], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    if (!d.file || d.start === undefined) return message;
    const { line } = d.file.getLineAndCharacterOfPosition(d.start);
    const label =
      d.file.fileName === fileName && line >= firstValueLine ? values[line - firstValueLine].label : d.file.fileName;
    return `${label}: ${message}`;
  });
}

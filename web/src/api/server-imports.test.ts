/**
 * The web bundle shares the server's wire types instead of copying them, but must never pull server code
 * (zod, Hono, the database driver) into the browser. This test holds that line: from web/src, a server file is
 * imported either as types only (erased from the bundle) or, for a value, only when that file imports nothing
 * but types itself (plain constants such as server/domain/cmdb/vocabulary.ts).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const webSrc = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repoRoot = resolve(webSrc, '../..');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name) ? [path] : [];
  });
}

interface ImportEdge { from: string; target: string; typeOnly: boolean }

/** Every import/export-from of a file, with whether the whole statement is type-only. */
function importsOf(file: string): ImportEdge[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, false, file.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const edges: ImportEdge[] = [];
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement) && ts.isStringLiteral(statement.moduleSpecifier)) {
      const clause = statement.importClause;
      const typeOnly = !!clause && (clause.isTypeOnly || (!clause.name && !!clause.namedBindings && ts.isNamedImports(clause.namedBindings)
        && clause.namedBindings.elements.length > 0 && clause.namedBindings.elements.every((e) => e.isTypeOnly)));
      edges.push({ from: file, target: statement.moduleSpecifier.text, typeOnly });
    } else if (ts.isExportDeclaration(statement) && statement.moduleSpecifier && ts.isStringLiteral(statement.moduleSpecifier)) {
      const clause = statement.exportClause;
      const typeOnly = statement.isTypeOnly || (!!clause && ts.isNamedExports(clause) && clause.elements.length > 0 && clause.elements.every((e) => e.isTypeOnly));
      edges.push({ from: file, target: statement.moduleSpecifier.text, typeOnly });
    }
  }
  return edges;
}

describe('web bundle and server code', () => {
  const edges = sourceFiles(webSrc).flatMap(importsOf)
    .filter((e) => e.target.startsWith('.'))
    .map((e) => ({ ...e, resolved: resolve(dirname(e.from), e.target) }))
    .filter((e) => !e.resolved.startsWith(webSrc + '/'));

  it('imports server files as types, or values only from files that import nothing but types', () => {
    const offending = edges.filter((e) => !e.typeOnly && importsOf(e.resolved).some((inner) => !inner.typeOnly))
      .map((e) => `${relative(repoRoot, e.from)} imports values from ${relative(repoRoot, e.resolved)}, which imports runtime code`);
    expect(offending).toEqual([]);
  });

  it('shares the wire types with the server instead of copying them', () => {
    // The three API clients whose shapes were once copies now name the server's files.
    const shared = new Set(edges.map((e) => relative(repoRoot, e.resolved)));
    expect([...shared].sort()).toEqual(expect.arrayContaining([
      'server/domain/cmdb/vocabulary.ts', 'server/domain/racks/types.ts', 'server/domain/site-power/types.ts',
    ]));
  });
});

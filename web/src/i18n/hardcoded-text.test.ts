/**
 * Every user-visible string must come from the message catalogs, so that switching to Japanese leaves no
 * English behind. This reads every .tsx file of the web app with the TypeScript parser and fails on text
 * written straight into the markup: JSX text with letters, and labels, titles, placeholders and alt texts
 * given as string literals. Symbols (·, —, →, %, ×), unit symbols and decorative aria-hidden marks are allowed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { en } from './en.ts';

const webSrc = fileURLToPath(new URL('..', import.meta.url));

/** Attributes whose value a person reads or hears. */
const TEXT_ATTRIBUTES = new Set(['aria-label', 'aria-description', 'aria-roledescription', 'aria-valuetext', 'title', 'placeholder', 'alt', 'label']);
/** Unit symbols are the same in both languages. */
const UNIT_SYMBOLS = new Set(['W', 'kW', 'MW', 'V', 'A', 'VA', 'kVA', 'Hz', 'U', 'kWh', 'MWh', '°C', '%', 'ms', 'fps']);

function tsxFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return tsxFiles(path);
    return entry.name.endsWith('.tsx') ? [path] : [];
  });
}

/** True when the text has something to translate: letters that are not only a unit symbol. */
export function needsTranslation(text: string): boolean {
  const trimmed = text.trim();
  if (!/\p{L}/u.test(trimmed)) return false;
  return !trimmed.split(/[\s/()·,:]+/).filter(Boolean).every((word) => UNIT_SYMBOLS.has(word));
}

function hardCodedTexts(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true, ts.ScriptKind.TSX);
  const found: string[] = [];
  const where = (node: ts.Node) => `${relative(webSrc, file)}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
  const visit = (node: ts.Node) => {
    // Decorative marks hidden from assistive technology (aria-hidden="true") are not text.
    if (ts.isJsxElement(node) && node.openingElement.attributes.properties.some((a) => ts.isJsxAttribute(a)
      && a.name.getText(source) === 'aria-hidden' && a.initializer !== undefined && /^["{]?\s*["']?true/.test(a.initializer.getText(source)))) return;
    if (ts.isJsxText(node) && needsTranslation(node.text)) {
      found.push(`${where(node)} text "${node.text.trim()}"`);
    }
    if (ts.isJsxAttribute(node) && TEXT_ATTRIBUTES.has(node.name.getText(source))) {
      const init = node.initializer;
      const literal = init && ts.isStringLiteral(init) ? init
        : init && ts.isJsxExpression(init) && init.expression && (ts.isStringLiteral(init.expression) || ts.isNoSubstitutionTemplateLiteral(init.expression)) ? init.expression
          : undefined;
      // A message key handed to a component that translates it is fine.
      if (literal && !(literal.text in en) && needsTranslation(literal.text)) found.push(`${where(node)} ${node.name.getText(source)}="${literal.text}"`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('user-visible text', () => {
  it('recognises what needs translating', () => {
    expect(needsTranslation('Racks')).toBe(true);
    expect(needsTranslation('ラック')).toBe(true);
    expect(needsTranslation(' kW ')).toBe(false);
    expect(needsTranslation('°C')).toBe(false);
    expect(needsTranslation(' · ')).toBe(false);
    expect(needsTranslation('42')).toBe(false);
  });

  it('is never written straight into the markup of a .tsx file', () => {
    const files = tsxFiles(webSrc);
    expect(files.length).toBeGreaterThan(20);
    const offenders = files.flatMap(hardCodedTexts);
    expect(offenders, 'put these strings in a message catalog and use t()').toEqual([]);
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { regenerate } from './generate-tables.ts';

describe('docs/simulators.md', () => {
  it('shows the protocol maps and fault rules exactly as the code serves them', () => {
    const doc = readFileSync(new URL('../../docs/simulators.md', import.meta.url), 'utf8');
    // If this fails, a map changed in the code: run `npx tsx firmware-sims/docs/generate-tables.ts`.
    expect(regenerate(doc)).toBe(doc);
  });
});

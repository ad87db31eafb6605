/** The power chain's drawing rules: columns, who sits where, hidden circuits, names that fit. */
import { describe, expect, it } from 'vitest';
import type { ChainLink, ChainNode, PowerChain } from '../../api/overview.ts';
import { fitName, layoutChain, NODE_H, visibleNodes } from './chainLayout.ts';

const node = (key: string, type: string, column: ChainNode['column'], upsKeys: string[] = []): ChainNode => ({
  key, type, name: key, status: 'active', column, devices: [], upsKeys, basis: 'measured', kw: 1, points: [], coverage: { reported: 1, expected: 1 },
  ratedKw: null, ratedKva: null, loadPoints: [], loadPct: null,
});
const link = (from: string, to: string, side: 'A' | 'B' | null = null): ChainLink => ({ from, to, side, via: [], points: [], kw: null, idle: false });

/** Utility → UPS A and B → a panel each → the A and B PDUs of two racks. */
const chain: PowerChain = {
  site: { key: 's', name: 'S' }, at: '', readings: {},
  nodes: [
    node('utility', 'utility', 'source'), node('ups-a', 'ups', 'ups'), node('ups-b', 'ups', 'ups'),
    node('pdp-a', 'panel', 'panel', ['ups-a']), node('pdp-b', 'panel', 'panel', ['ups-b']),
    ...['r1', 'r2'].flatMap((r) => [node(`${r}-pdu-a`, 'pdu', 'pdu', ['ups-a']), node(`${r}-pdu-b`, 'pdu', 'pdu', ['ups-b'])]),
    node('r1', 'rack', 'load', ['ups-a', 'ups-b']), node('r2', 'rack', 'load', ['ups-a', 'ups-b']),
  ],
  links: [
    link('utility', 'ups-a'), link('utility', 'ups-b'), link('ups-a', 'pdp-a'), link('ups-b', 'pdp-b'),
    ...['r1', 'r2'].flatMap((r) => [link('pdp-a', `${r}-pdu-a`, 'A'), link('pdp-b', `${r}-pdu-b`, 'B'), link(`${r}-pdu-a`, r, 'A'), link(`${r}-pdu-b`, r, 'B')]),
  ],
};

describe('layoutChain', () => {
  it('one column per stage present, left to right; empty stages take no room', () => {
    const layout = layoutChain(chain, new Set());
    expect(layout.columns.map((c) => c.column)).toEqual(['source', 'ups', 'panel', 'pdu', 'load']);
    expect(layout.columns.map((c) => c.x)).toEqual([...layout.columns.map((c) => c.x)].sort((a, b) => a - b));
  });

  it('a rack sits level between its A and B PDUs, which sit together; the supply starts at the top', () => {
    const layout = layoutChain(chain, new Set());
    const y = (key: string) => layout.nodes.find((n) => n.node.key === key)!.y;
    expect(layout.nodes.filter((n) => n.node.type === 'pdu').sort((a, b) => a.y - b.y).map((n) => n.node.key)).toEqual(['r1-pdu-a', 'r1-pdu-b', 'r2-pdu-a', 'r2-pdu-b']);
    expect(y('r1')).toBe((y('r1-pdu-a') + y('r1-pdu-b')) / 2);
    expect(y('r2')).toBeGreaterThanOrEqual(y('r1') + NODE_H);
    expect(y('utility')).toBe(Math.min(...layout.nodes.map((n) => n.y)));
    // No two nodes of a column overlap.
    for (const column of layout.columns) {
      const ys = layout.nodes.filter((n) => n.node.column === column.column).map((n) => n.y).sort((a, b) => a - b);
      ys.slice(1).forEach((v, i) => expect(v - ys[i]).toBeGreaterThanOrEqual(NODE_H));
    }
  });

  it('links run from the supplier’s right edge to the consumer’s left edge', () => {
    const layout = layoutChain(chain, new Set());
    const l = layout.links.find((p) => p.link.from === 'pdp-a' && p.link.to === 'r1-pdu-a')!;
    const from = layout.nodes.find((n) => n.node.key === 'pdp-a')!;
    const to = layout.nodes.find((n) => n.node.key === 'r1-pdu-a')!;
    expect(l.path.startsWith(`M${from.x + 172},${from.y + NODE_H / 2} `)).toBe(true);
    expect(l.path.endsWith(` ${to.x},${to.y + NODE_H / 2}`)).toBe(true);
    expect(l.labelX).toBeGreaterThan(from.x + 172);
    expect(l.labelX).toBeLessThan(to.x);
  });

  it('hiding a UPS’s circuits hides what only it feeds, and the links to them', () => {
    expect(visibleNodes(chain, new Set(['ups-a'])).map((n) => n.key)).not.toContain('r1-pdu-a');
    const layout = layoutChain(chain, new Set(['ups-a']));
    expect(layout.nodes.map((n) => n.node.key)).toEqual(expect.arrayContaining(['ups-a', 'r1', 'r2', 'r1-pdu-b']));
    expect(layout.nodes.map((n) => n.node.key)).not.toContain('pdp-a');
    expect(layout.links.some((l) => l.link.from === 'pdp-a' || l.link.to === 'pdp-a')).toBe(false);
    expect(layoutChain(chain, new Set(['ups-a', 'ups-b'])).columns.map((c) => c.column)).toEqual(['source', 'ups']);
  });
});

describe('fitName', () => {
  it('keeps a short name, squeezes a slightly long one, cuts a far too long one', () => {
    expect(fitName('PDU A of R1-A01', 152)).toEqual({ text: 'PDU A of R1-A01', squeeze: false });
    expect(fitName('Distribution panel PDP-A1', 152)).toEqual({ text: 'Distribution panel PDP-A1', squeeze: true });
    const long = fitName('A very long name that nobody could read in one node', 152);
    expect(long.squeeze).toBe(true);
    expect(long.text.endsWith('…')).toBe(true);
    expect(long.text.length).toBeLessThan(30);
    expect(fitName('第一電気室 分電盤 PDP-A1', 152).squeeze).toBe(true);
  });
});

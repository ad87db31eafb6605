import { describe, expect, it } from 'vitest';
import type { PowerPath, PowerPathNode } from '../../api/cmdb.ts';
import { powerPathLevels } from './powerPathModel.ts';

const node = (key: string, type: PowerPathNode['type']): PowerPathNode => ({ key, type, name: key, status: 'active' });

describe('powerPathLevels', () => {
  it('puts the utility on top even when the A and B feeds have different lengths', () => {
    const path: PowerPath = {
      root: 'rack',
      nodes: [node('rack', 'rack'), node('pdu-a', 'pdu'), node('pdu-b', 'pdu'), node('ups', 'ups'), node('utility', 'utility')],
      edges: [
        { from: 'rack', to: 'pdu-a', feed: 'A' },
        { from: 'rack', to: 'pdu-b', feed: 'B' },
        { from: 'pdu-a', to: 'ups' },
        { from: 'pdu-b', to: 'utility' }, // B bypasses the UPS
        { from: 'ups', to: 'utility' },
      ],
    };
    const levels = powerPathLevels(path).map((level) => level.map((card) => card.node.key));
    expect(levels).toEqual([['utility'], ['ups'], ['pdu-a', 'pdu-b'], ['rack']]);
    const utility = powerPathLevels(path)[0][0];
    expect(utility.feeds.map((edge) => edge.from).sort()).toEqual(['pdu-b', 'ups']);
  });

  it('survives a cycle in the data', () => {
    const path: PowerPath = {
      root: 'a',
      nodes: [node('a', 'pdu'), node('b', 'pdu')],
      edges: [{ from: 'a', to: 'b' }, { from: 'b', to: 'a' }],
    };
    expect(powerPathLevels(path).flat().map((card) => card.node.key).sort()).toEqual(['a', 'b']);
  });

  it('shows only the CI when nothing powers it', () => {
    expect(powerPathLevels({ root: 'x', nodes: [node('x', 'rack')], edges: [] }).map((l) => l.length)).toEqual([1]);
  });
});

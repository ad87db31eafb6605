import { describe, expect, it } from 'vitest';
import type { CiView } from '../../api/cmdb.ts';
import { buildPatch, formFromCi, placeIssues } from './ciEditModel.ts';

const ups: CiView = {
  key: 'ups-a1', type: 'ups', name: 'UPS A1', status: 'active', serial: 'SN-1',
  model: { key: 'apc/srt10k', vendor: 'APC', model: 'SRT 10k' },
  attributes: { ratedKva: 10, ratedKw: 10, topology: 'online-double-conversion' },
  tags: ['hall-1'], links: [], version: 7,
  createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-02T00:00:00Z', updatedBy: 'admin',
};

describe('CI edit form', () => {
  it('sends nothing when nothing changed', () => {
    expect(buildPatch(ups, formFromCi(ups))).toEqual({ patch: undefined, errors: {} });
  });

  it('sends only the changed fields with the version read, null for a cleared field', () => {
    const values = { ...formFromCi(ups), serial: '', owner: ' Facilities ', 'attributes.runtimeMin': '12.5' };
    const { patch, errors } = buildPatch(ups, values);
    expect(errors).toEqual({});
    expect(patch).toEqual({
      version: 7, serial: null, owner: 'Facilities',
      attributes: { ratedKva: 10, ratedKw: 10, topology: 'online-double-conversion', runtimeMin: 12.5 },
    });
  });

  it('finds bad numbers and missing required attributes before asking the server', () => {
    const values = { ...formFromCi(ups), 'attributes.ratedKw': '', 'attributes.batteryStrings': '2.5', positionU: 'x' };
    const { errors } = buildPatch(ups, values);
    expect(errors).toEqual({
      'attributes.ratedKw': 'cmdb.edit.required',
      'attributes.batteryStrings': 'cmdb.edit.notAnInteger',
      positionU: 'cmdb.edit.notAnInteger',
    });
  });

  it('sends the collector devices as a list', () => {
    const { patch } = buildPatch(ups, { ...formFromCi(ups), devices: 'ups-1, ups-1-modbus,' });
    expect(patch).toEqual({ version: 7, devices: ['ups-1', 'ups-1-modbus'] });
  });

  it('puts server issues next to their fields', () => {
    const placed = placeIssues(
      [{ path: 'tags.1', message: 'too long' }, { path: 'attributes.ratedKw', message: 'must be positive' }, { path: 'links[0].url', message: 'bad url' }],
      ['tags', 'attributes.ratedKw', 'name'],
    );
    expect(placed.byField).toEqual({ tags: ['too long'], 'attributes.ratedKw': ['must be positive'] });
    expect(placed.general).toEqual([{ path: 'links[0].url', message: 'bad url' }]);
  });
});

import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { defaultDemoSite, generateSite, loadSiteFile, parseSiteSpec, rowLetter, SiteFileError } from './spec.ts';

describe('generateSite', () => {
  it('lays out rooms ≤ 200 racks, rows of 10–20 racks, ids like r1-a01, one CRAC per row', () => {
    const site = generateSite({ racks: 450, seed: 2 });
    expect(site.racks).toHaveLength(450);
    expect(site.rooms).toHaveLength(3);
    for (const room of site.rooms) {
      const racks = site.racks.filter((r) => r.room === room.id);
      expect(racks.length).toBeLessThanOrEqual(200);
      for (const row of room.rows) {
        const n = site.racks.filter((r) => r.row === row).length;
        expect(n).toBeGreaterThanOrEqual(10);
        expect(n).toBeLessThanOrEqual(20);
        expect(site.cracs.filter((c) => c.id === `crac-${row}`)).toHaveLength(1);
      }
    }
    expect(site.racks[0].id).toBe('r1-a01');
    expect(new Set(site.racks.map((r) => r.id)).size).toBe(450);
  });

  it('varies rack load 2–8 kW by seed, alternates PDU vendor by row, 24 outlets, 32 A', () => {
    const a = generateSite({ racks: 100, seed: 1 });
    const b = generateSite({ racks: 100, seed: 2 });
    expect(a.racks.map((r) => r.itLoadW)).not.toEqual(b.racks.map((r) => r.itLoadW));
    expect(generateSite({ racks: 100, seed: 1 })).toEqual(a);
    for (const r of a.racks) {
      expect(r.itLoadW).toBeGreaterThanOrEqual(2000);
      expect(r.itLoadW).toBeLessThanOrEqual(8000);
      expect(r).toMatchObject({ outletsPerPdu: 24, pduRatedCurrentA: 32, heightU: 42 });
    }
    const vendorByRow = [...new Map(a.racks.map((r) => [r.row, r.pduVendor])).values()];
    expect(vendorByRow.slice(0, 4)).toEqual(['raritan', 'sentry4', 'raritan', 'sentry4']);
  });

  it('feeds every rack from an A and a B UPS sized for failover at ≤ 80 %', () => {
    for (const racks of [1, 8, 2000]) {
      const site = generateSite({ racks, seed: 5 });
      expect(site.ups.filter((u) => u.id.startsWith('ups-a'))).toHaveLength(site.ups.length / 2);
      expect(site.ups.some((u) => u.id === 'ups-a1') && site.ups.some((u) => u.id === 'ups-b1')).toBe(true);
      for (const u of site.ups) {
        const load = site.racks.filter((r) => r.upsA === u.id || r.upsB === u.id).reduce((s, r) => s + r.itLoadW * 1.1 * 1.01, 0);
        expect(load / u.ratedW).toBeLessThanOrEqual(0.8);
      }
      for (const r of site.racks) expect(r.upsA.replace('ups-a', '')).toBe(r.upsB.replace('ups-b', ''));
    }
  });

  it('has utility, generator, PV and water meters, one of them CDAB', () => {
    const site = defaultDemoSite();
    expect(site.meters.map((m) => m.id)).toEqual(['meter-utility', 'meter-generator', 'meter-pv', 'meter-water']);
    expect(site.meters.filter((m) => m.wordOrder === 'CDAB')).toHaveLength(1);
    expect(site.rooms).toHaveLength(1);
    expect(site.rooms[0].rows).toEqual(['r1-a', 'r1-b']);
    expect(site.racks).toHaveLength(8);
    expect(() => parseSiteSpec(site)).not.toThrow();
  });

  it('names rows a..z, aa, ab…', () => {
    expect([0, 25, 26, 27].map(rowLetter)).toEqual(['a', 'z', 'aa', 'ab']);
  });
});

describe('loadSiteFile', () => {
  const minimal = {
    name: 'Lab', seed: 3,
    rooms: [{ id: 'r1', rows: ['r1-a'] }],
    racks: [{ id: 'r1-a01', room: 'r1', row: 'r1-a', itLoadW: 4000, upsA: 'ups-a1', upsB: 'ups-b1', crac: 'crac-r1-a' }],
    ups: [{ id: 'ups-a1', ratedW: 20000 }, { id: 'ups-b1', ratedW: 20000 }],
    cracs: [{ id: 'crac-r1-a', room: 'r1', ratedCoolingW: 10000 }],
    meters: [{ id: 'meter-utility', kind: 'utility' }],
  };

  it('reads YAML and JSON with defaults filled in', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kiban-site-'));
    const yamlPath = join(dir, 'site.yaml');
    await writeFile(yamlPath, stringify(minimal));
    const jsonPath = join(dir, 'site.json');
    await writeFile(jsonPath, JSON.stringify(minimal));
    for (const path of [yamlPath, jsonPath]) {
      const site = await loadSiteFile(path);
      expect(site.racks[0]).toMatchObject({ outletsPerPdu: 24, pduVendor: 'raritan', pduRatedCurrentA: 32, heightU: 42 });
      expect(site.ups[0]).toMatchObject({ ratedVA: 22222, nominalRuntimeMin: 10, batteryStrings: 1 });
      expect(site.meters[0].wordOrder).toBe('ABCD');
    }
  });

  it('errors name the file and the field', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kiban-site-'));
    const path = join(dir, 'bad.yaml');
    const bad = structuredClone(minimal);
    bad.racks[0].upsB = 'ups-x';
    await writeFile(path, stringify(bad));
    await expect(loadSiteFile(path)).rejects.toThrow(`${path}: racks[0].upsB: unknown UPS 'ups-x'`);
    const neg = structuredClone(minimal);
    neg.racks[0].itLoadW = -1;
    await writeFile(path, stringify(neg));
    await expect(loadSiteFile(path)).rejects.toThrow(/bad\.yaml: racks\[0\]\.itLoadW: /);
    await writeFile(path, 'racks: [unclosed');
    await expect(loadSiteFile(path)).rejects.toBeInstanceOf(SiteFileError);
    await expect(loadSiteFile(join(dir, 'missing.yaml'))).rejects.toThrow(/missing\.yaml: cannot read/);
    expect(() => parseSiteSpec({ ...minimal, extra: 1 }, 'inline')).toThrow(/^inline: /);
  });
});

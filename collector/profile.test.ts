import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProfile, parseProfile, ProfileError, PROFILES_DIR, resolveProfilePath } from './profile.ts';

const ALLOWED_UNITS = new Set(['W', 'V', 'A', 'Hz', '%', 'degC', 's', 'min', '', 'Wh', 'VA']);

describe('shipped profile rfc1628-ups', () => {
  it('validates and reads the RFC 1628 OIDs with the right units and roles', async () => {
    const profile = await loadProfile('rfc1628-ups');
    expect(profile.name).toBe('rfc1628-ups');
    expect(profile.protocol).toBe('snmp');
    expect(profile.kind).toBe('ups');
    const byMetric = new Map(profile.points.map((p) => [p.metric, p]));
    expect(byMetric.get('output.l1.power')).toMatchObject({ oid: '1.3.6.1.2.1.33.1.4.4.1.4.1', unit: 'W', kind: 'gauge', role: 'ups.output.power' });
    expect(byMetric.get('output.l1.load')).toMatchObject({ oid: '1.3.6.1.2.1.33.1.4.4.1.5.1', unit: '%', role: 'ups.output.load' });
    expect(byMetric.get('output.l1.current')).toMatchObject({ unit: 'A', scale: 0.1 });
    expect(byMetric.get('output.frequency')).toMatchObject({ oid: '1.3.6.1.2.1.33.1.4.2.0', unit: 'Hz', scale: 0.1 });
    expect(byMetric.get('output.source')).toMatchObject({ oid: '1.3.6.1.2.1.33.1.4.1.0', unit: '' });
    expect(byMetric.get('input.l1.power')).toMatchObject({ oid: '1.3.6.1.2.1.33.1.3.3.1.5.1', unit: 'W', role: 'ups.input.power' });
    expect(byMetric.get('input.l1.frequency')).toMatchObject({ unit: 'Hz', scale: 0.1 });
    expect(byMetric.get('input.line_bads')).toMatchObject({ oid: '1.3.6.1.2.1.33.1.3.1.0', kind: 'counter' });
    expect(byMetric.get('battery.charge')).toMatchObject({ unit: '%' });
    expect(byMetric.get('battery.runtime')).toMatchObject({ unit: 'min' });
    expect(byMetric.get('battery.voltage')).toMatchObject({ unit: 'V', scale: 0.1 });
    expect(byMetric.get('battery.temperature')).toMatchObject({ unit: 'degC' });
    expect(byMetric.get('battery.status')).toMatchObject({ oid: '1.3.6.1.2.1.33.1.2.1.0', unit: '' });
    for (const p of profile.points) {
      expect(ALLOWED_UNITS.has(p.unit), `${p.metric} unit ${p.unit}`).toBe(true);
      // RFC 1628 tables (input .1.3.3, output .1.4.4) take the line index; scalars take .0
      const inTable = /^1\.3\.6\.1\.2\.1\.33\.1\.(3\.3|4\.4)\.1\./.test(p.oid);
      expect(p.oid.endsWith(inTable ? '.1' : '.0'), p.metric).toBe(true);
    }
    expect(new Set(profile.points.map((p) => p.oid)).size).toBe(profile.points.length);
  });

  it('resolves names to the profiles folder and leaves paths alone', () => {
    expect(resolveProfilePath('rfc1628-ups')).toBe(join(PROFILES_DIR, 'rfc1628-ups.yaml'));
    expect(resolveProfilePath('/etc/kiban/x.yaml')).toBe('/etc/kiban/x.yaml');
    expect(() => resolveProfilePath('../../etc/passwd')).not.toThrow(); // a path, on purpose
    expect(() => resolveProfilePath('bad name')).toThrow(/invalid profile name/);
  });
});

describe('broken profiles', () => {
  const good = `model: Test UPS
protocol: snmp
kind: ups
points:
  - metric: output.l1.power
    oid: 1.3.6.1.2.1.33.1.4.4.1.4.1
    unit: W
    kind: gauge
`;

  function errorOf(text: string, file = 'broken.yaml'): ProfileError {
    try {
      parseProfile(text, file);
    } catch (err) {
      expect(err).toBeInstanceOf(ProfileError);
      return err as ProfileError;
    }
    throw new Error('expected a ProfileError');
  }

  it('accepts the minimal profile', () => {
    expect(parseProfile(good, '/x/test-ups.yaml').name).toBe('test-ups');
  });

  it('names the file, the field path and the line of a bad value', () => {
    const err = errorOf(good.replace('kind: gauge', 'kind: gaug'), '/profiles/broken.yaml');
    expect(err.file).toBe('/profiles/broken.yaml');
    expect(err.field).toBe('points[0].kind');
    expect(err.line).toBe(8);
    expect(err.message).toContain('/profiles/broken.yaml:8: points[0].kind');
  });

  it('names a missing field', () => {
    const err = errorOf(good.replace('    unit: W\n', ''));
    expect(err.field).toBe('points[0].unit');
    expect(err.line).toBe(5); // the point's mapping starts on line 5
  });

  it('rejects unknown fields (typos must not be silently ignored)', () => {
    const err = errorOf(good.replace('unit: W', 'unit: W\n    scal: 0.1'));
    expect(err.field).toBe('points[0]');
    expect(err.message).toMatch(/scal/);
  });

  it('rejects bad metric names, OIDs, zero scale and duplicates', () => {
    expect(errorOf(good.replace('output.l1.power', 'Output.L1')).field).toBe('points[0].metric');
    expect(errorOf(good.replace('oid: 1.3.6.1.2.1.33.1.4.4.1.4.1', 'oid: upsOutputPower')).field).toBe('points[0].oid');
    expect(errorOf(good.replace('unit: W', 'unit: W\n    scale: 0')).field).toBe('points[0].scale');
    const dup = errorOf(good + good.slice(good.indexOf('  - metric')));
    expect(dup.field).toBe('points[1].metric');
    expect(dup.message).toContain('duplicate metric');
  });

  it('reports YAML syntax errors with a line', () => {
    const err = errorOf('model: x\npoints: [\n  - a: b\n');
    expect(err.line).toBeGreaterThan(0);
    expect(err.message).toContain('invalid YAML');
  });

  it('loadProfile reports unreadable files and broken files by path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kiban-profile-'));
    const file = join(dir, 'bad.yaml');
    await writeFile(file, good.replace('protocol: snmp', 'protocol: carrier-pigeon'));
    await expect(loadProfile(file)).rejects.toMatchObject({ name: 'ProfileError', file, field: 'protocol', line: 2 });
    await expect(loadProfile(join(dir, 'missing.yaml'))).rejects.toThrow(/cannot read profile: ENOENT/);
  });
});

import { describe, expect, it } from 'vitest';
import { auditConfiguration, outletOfMetric, OUTLET_POWER_METRIC_PATTERN, OUTLET_POWER_METRIC_SQL_REGEX, type AuditCi, type AuditInput } from './audit.ts';

const NOW = new Date('2026-11-22T03:00:00Z');
const recently = new Date(NOW.getTime() - 30_000);

/**
 * A clean little site: one UPS (SNMP agent + Modbus card), two PDUs of one rack, two servers on outlet 1 and 2
 * of both PDUs (A and B feeds), everything reporting and matching.
 */
function cleanSite(): AuditInput {
  const cis: AuditCi[] = [
    { key: 'ups-a1', type: 'ups', name: 'UPS A1', status: 'active', serial: 'KS2400001234', vendor: 'Kiban Simulated Power', model: 'KSP-10K Online UPS', devices: ['ups-a1', 'ups-a1-modbus'], attributes: { ratedKva: 10, ratedKw: 8, firmware: 'UPS 2.4.1' } },
    { key: 'r1-a01-pdu-a', type: 'pdu', name: 'PDU A r1-a01', status: 'active', serial: 'QFC1234567', vendor: 'Raritan', model: 'PX3-5493V', device: 'r1-a01-pdu-a', attributes: { outletCount: 24 } },
    { key: 'r1-a01-pdu-b', type: 'pdu', name: 'PDU B r1-a01', status: 'active', serial: 'QFC7654321', vendor: 'Raritan', model: 'PX3-5493V', device: 'r1-a01-pdu-b', attributes: { outletCount: 24 } },
    { key: 'r1-a01-srv01', type: 'server', name: 'r1-a01-srv01', status: 'active', attributes: {} },
    { key: 'r1-a01-srv02', type: 'server', name: 'r1-a01-srv02', status: 'installed', attributes: {} },
  ];
  const links = ['r1-a01-srv01', 'r1-a01-srv02'].flatMap((ciKey, i) => ['a', 'b'].map((feed) => ({
    pduKey: `r1-a01-pdu-${feed}`, pduDevice: `r1-a01-pdu-${feed}`, outlet: i + 1, ciKey, ciStatus: cis.find((c) => c.key === ciKey)!.status,
  })));
  return {
    cis,
    outletLinks: links,
    devices: [
      { name: 'ups-a1', kind: 'ups', vendor: 'Kiban Simulated Power', identity: { vendor: 'Kiban Simulated Power', model: 'KSP-10K Online UPS', firmware: 'UPS 2.4.1', sysDescr: '…serial KS2400001234' }, lastSeen: recently },
      { name: 'ups-a1-modbus', kind: 'ups', identity: { model: 'KSP-10K Online UPS', serial: 'KS2400001234', firmware: 'UPS 2.4.1' }, lastSeen: recently },
      { name: 'r1-a01-pdu-a', kind: 'pdu', identity: { vendor: 'Raritan', model: 'PX3-5493V', serial: 'QFC1234567', firmware: '4.0.20.5-48248', outletCount: 24 }, lastSeen: recently },
      { name: 'r1-a01-pdu-b', kind: 'pdu', identity: { vendor: 'Raritan', model: 'PX3-5493V', serial: 'qfc 7654321', outletCount: 24 }, lastSeen: recently },
      { name: 'edge-1', kind: 'collector' },
    ],
    outletPowerW: new Map([
      // Outlets 3–24 are spare: 0 W, or a few W of noise.
      ['r1-a01-pdu-a', new Map([[1, 180], [2, 210], [3, 0], [4, 2]])],
      ['r1-a01-pdu-b', new Map([[1, 175], [2, 0], [3, 0]])],
    ]),
    pduDevices: [{ pduKey: 'r1-a01-pdu-a', device: 'r1-a01-pdu-a' }, { pduKey: 'r1-a01-pdu-b', device: 'r1-a01-pdu-b' }],
  };
}

const audit = (input: AuditInput, opts = {}) => auditConfiguration(input, { now: NOW, ...opts });

describe('auditConfiguration', () => {
  it('finds nothing on a clean site (serials compared without case and blanks; a server on one live PSU is not idle)', () => {
    expect(audit(cleanSite())).toEqual([]);
  });

  it('serial_mismatch: a unit swapped for another (high), naming CI, device and both serials', () => {
    const site = cleanSite();
    site.devices.find((d) => d.name === 'ups-a1-modbus')!.identity!.serial = 'KS9900000042';
    const found = audit(site);
    expect(found).toEqual([{
      kind: 'serial_mismatch', severity: 'high', ci: 'ups-a1', device: 'ups-a1-modbus', field: 'serial', documented: 'KS2400001234', discovered: 'KS9900000042',
      message: expect.stringContaining("CI ups-a1 (UPS A1): device ups-a1-modbus reports serial 'KS9900000042', the CMDB documents 'KS2400001234'"),
    }]);
  });

  it('serials and models are only compared where both sides know them', () => {
    const site = cleanSite();
    site.cis[0].serial = null;
    site.cis[1].model = undefined;
    delete site.devices.find((d) => d.name === 'r1-a01-pdu-b')!.identity!.serial;
    site.devices.find((d) => d.name === 'r1-a01-pdu-b')!.identity!.model = 'PX2-1000';
    site.cis[2].model = '';
    expect(audit(site)).toEqual([]);
  });

  it('model_mismatch (medium); a leading vendor name on either side is not a difference', () => {
    const site = cleanSite();
    site.cis[1].model = 'Raritan PX3-5493V';
    expect(audit(site)).toEqual([]);
    site.devices.find((d) => d.name === 'r1-a01-pdu-a')!.identity!.model = 'PX3-5190R';
    expect(audit(site)).toMatchObject([{ kind: 'model_mismatch', severity: 'medium', ci: 'r1-a01-pdu-a', device: 'r1-a01-pdu-a', documented: 'Raritan PX3-5493V', discovered: 'PX3-5190R' }]);
    expect(audit(site)[0].message).toMatch(/reports model 'PX3-5190R', the CMDB documents 'Raritan PX3-5493V'/);
  });

  it('firmware_changed (low) only where the CI documents a firmware', () => {
    const site = cleanSite();
    for (const d of site.devices.filter((x) => x.name.startsWith('ups-a1'))) d.identity!.firmware = 'UPS 3.0.0';
    const found = audit(site);
    expect(found.map((d) => [d.kind, d.severity, d.device, d.documented, d.discovered])).toEqual([
      ['firmware_changed', 'low', 'ups-a1', 'UPS 2.4.1', 'UPS 3.0.0'],
      ['firmware_changed', 'low', 'ups-a1-modbus', 'UPS 2.4.1', 'UPS 3.0.0'],
    ]);
    // The PDU CIs document no firmware: whatever they run is not judged.
    site.devices.find((d) => d.name === 'r1-a01-pdu-a')!.identity!.firmware = '9.9';
    expect(audit(site)).toHaveLength(2);
  });

  it('outlet_count_mismatch: the CI attribute, else the count given with the PDU device', () => {
    const site = cleanSite();
    site.devices.find((d) => d.name === 'r1-a01-pdu-b')!.identity!.outletCount = 36;
    expect(audit(site)).toMatchObject([{ kind: 'outlet_count_mismatch', severity: 'medium', ci: 'r1-a01-pdu-b', device: 'r1-a01-pdu-b', documented: 24, discovered: 36 }]);
    expect(audit(site)[0].message).toMatch(/has 36 outlets, the CMDB documents 24/);
    delete site.cis[2].attributes.outletCount;
    expect(audit(site)).toEqual([]);
    site.pduDevices[1].outletCount = 24;
    expect(audit(site)).toMatchObject([{ kind: 'outlet_count_mismatch', documented: 24, discovered: 36 }]);
  });

  it('undocumented_load (high): a spare outlet drawing more than the threshold, also when only a retired CI is documented there', () => {
    const site = cleanSite();
    site.outletPowerW.get('r1-a01-pdu-a')!.set(7, 420);
    site.outletPowerW.get('r1-a01-pdu-b')!.set(9, 19); // under the 20 W default: noise, not a load
    const found = audit(site);
    expect(found).toEqual([{
      kind: 'undocumented_load', severity: 'high', ci: 'r1-a01-pdu-a', device: 'r1-a01-pdu-a', field: 'outlet 7', documented: null, discovered: 420,
      message: 'outlet 7 of PDU r1-a01-pdu-a draws 420 W, but no CI is documented on it',
    }]);
    expect(audit(site, { loadThresholdW: 10 }).map((d) => d.field)).toEqual(['outlet 7', 'outlet 9']);
    site.cis.push({ key: 'old-srv', type: 'server', name: 'old-srv', status: 'retired', attributes: {} });
    site.outletLinks.push({ pduKey: 'r1-a01-pdu-a', pduDevice: 'r1-a01-pdu-a', outlet: 7, ciKey: 'old-srv', ciStatus: 'retired' });
    expect(audit(site)[0]).toMatchObject({ kind: 'undocumented_load', documented: 'old-srv (retired)', message: expect.stringContaining('but only old-srv (retired) is documented on it') });
  });

  it('undocumented_load finds the PDU device through pduDevices when the link does not name it; an undocumented PDU is one finding, not one per outlet', () => {
    const site = cleanSite();
    for (const l of site.outletLinks) l.pduDevice = null;
    site.outletPowerW.get('r1-a01-pdu-b')!.set(5, 300);
    site.outletPowerW.set('stray-pdu', new Map([[1, 500], [2, 600]]));
    site.devices.push({ name: 'stray-pdu', kind: 'pdu', vendor: 'Raritan', identity: { model: 'PX2-1000' }, lastSeen: recently });
    expect(audit(site).map((d) => [d.kind, d.device, d.field])).toEqual([
      ['undocumented_load', 'r1-a01-pdu-b', 'outlet 5'],
      ['undocumented_device', 'stray-pdu', undefined],
    ]);
  });

  it('documented_idle (medium): a dual-corded server is idle only when both outlets draw nothing', () => {
    const site = cleanSite();
    site.outletPowerW.get('r1-a01-pdu-a')!.set(1, 3);
    expect(audit(site)).toEqual([]); // feed B still draws 175 W
    site.outletPowerW.get('r1-a01-pdu-b')!.set(1, 1);
    expect(audit(site)).toEqual([{
      kind: 'documented_idle', severity: 'medium', ci: 'r1-a01-srv01', field: 'power', documented: 'active', discovered: 4,
      message: 'CI r1-a01-srv01 is active on outlet 1 of r1-a01-pdu-a and outlet 1 of r1-a01-pdu-b, which draw 4 W together: switched off, removed, or a wrong outlet record',
    }]);
    expect(audit(site, { idleThresholdW: 3 })).toEqual([]);
  });

  it('documented_idle needs a reading of every outlet and a CI that should draw (active or installed)', () => {
    const site = cleanSite();
    site.outletPowerW.get('r1-a01-pdu-a')!.set(2, 0); // srv02: both 0 W, installed → idle
    expect(audit(site).map((d) => [d.kind, d.ci])).toEqual([['documented_idle', 'r1-a01-srv02']]);
    site.outletPowerW.get('r1-a01-pdu-b')!.delete(2); // one outlet unknown: not judged
    expect(audit(site)).toEqual([]);
    site.outletPowerW.get('r1-a01-pdu-b')!.set(2, 0);
    site.cis.find((c) => c.key === 'r1-a01-srv02')!.status = 'maintenance';
    expect(audit(site)).toEqual([]);
  });

  it('undocumented_device (medium): a device no CI names; Kiban collectors are left out', () => {
    const site = cleanSite();
    site.devices.push({ name: 'crac-r1-a', kind: 'crac', vendor: 'Vertiv', model: 'Liebert PDX', lastSeen: recently });
    expect(audit(site)).toEqual([{
      kind: 'undocumented_device', severity: 'medium', device: 'crac-r1-a', documented: null, discovered: 'crac-r1-a',
      message: 'device crac-r1-a (crac Vertiv Liebert PDX) reports to Kiban, but no CI names it',
    }]);
  });

  it('device_not_reporting (medium): unknown, never seen, or silent too long; not for retired CIs', () => {
    const site = cleanSite();
    site.cis[0].devices = ['ups-a1', 'ups-a1-modbus', 'ups-a1-web'];
    site.devices.find((d) => d.name === 'r1-a01-pdu-b')!.lastSeen = new Date(NOW.getTime() - 3_600_000);
    site.devices.find((d) => d.name === 'ups-a1')!.lastSeen = null;
    const found = audit(site);
    expect(found.map((d) => [d.kind, d.ci, d.device])).toEqual([
      ['device_not_reporting', 'r1-a01-pdu-b', 'r1-a01-pdu-b'],
      ['device_not_reporting', 'ups-a1', 'ups-a1'],
      ['device_not_reporting', 'ups-a1', 'ups-a1-web'],
    ]);
    expect(found[0].message).toMatch(/has not reported since 2026-11-22T02:00:00.000Z/);
    expect(found[1].message).toMatch(/has never reported/);
    expect(found[2].message).toMatch(/is not known to any collector/);
    expect(audit(site, { staleAfterMs: 2 * 3_600_000 })).toHaveLength(2);
    // A retired UPS's devices are not expected to report; what a device of it still says is still compared.
    site.cis[0].status = 'retired';
    site.cis[0].serial = 'KS0000000000';
    expect(audit(site).map((d) => [d.kind, d.device])).toEqual([['serial_mismatch', 'ups-a1-modbus'], ['device_not_reporting', 'r1-a01-pdu-b']]);
  });

  it('orders by severity and names everything in the message (the three planted discrepancies of the acceptance)', () => {
    const site = cleanSite();
    site.devices.find((d) => d.name === 'r1-a01-pdu-a')!.identity!.serial = 'QFC0000000';
    site.outletPowerW.get('r1-a01-pdu-b')!.set(12, 350);
    site.outletPowerW.get('r1-a01-pdu-a')!.set(2, 0);
    const found = audit(site);
    expect(found.map((d) => [d.kind, d.severity])).toEqual([
      ['serial_mismatch', 'high'], ['undocumented_load', 'high'], ['documented_idle', 'medium'],
    ]);
    for (const d of found) expect(d.message).toMatch(/r1-a01/);
  });
});

describe('outlet power metrics', () => {
  it('outletOfMetric reads the outlet of the Raritan/Sentry4 outlet power metric, nothing else', () => {
    expect(outletOfMetric('outlet.7.power')).toBe(7);
    expect(outletOfMetric('outlet.24.power')).toBe(24);
    for (const other of ['outlet.7.apparent_power', 'outlet.count', 'inlet.1.power', 'outlet.0.power', 'outlet.x.power', 'outlet.7.power.max', 'breaker.1.current']) {
      expect(outletOfMetric(other), other).toBeUndefined();
    }
  });

  it('the SQL regex matches what the JS pattern matches', () => {
    const sql = new RegExp(OUTLET_POWER_METRIC_SQL_REGEX);
    for (const m of ['outlet.1.power', 'outlet.48.power', 'outlet.01.power', 'outlet.1.energy', 'outlet.count']) expect(sql.test(m), m).toBe(OUTLET_POWER_METRIC_PATTERN.test(m));
  });
});

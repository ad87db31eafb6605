/**
 * Device identity without sockets: normalising what drivers read, the `identity:` section of each protocol's
 * profiles (shipped ones included), and identity taken from MQTT payloads.
 */
import { describe, expect, it } from 'vitest';
import { PDU_PROFILES } from '../firmware-sims/devices/pdu/fleet.ts';
import { deviceDecl, DEVICE_IDENTITY_FIELDS } from '../server/contracts/ingest.ts';
import { decodePayload } from './drivers/mqtt/decode.ts';
import { normalizeIdentity, sameIdentity } from './identity.ts';
import { loadProfile, parseProfile, ProfileError, type MqttProfile } from './profile.ts';

function profileError(text: string): ProfileError {
  try {
    parseProfile(text, 'test.yaml');
  } catch (err) {
    if (err instanceof ProfileError) return err;
    throw err;
  }
  throw new Error('expected a ProfileError');
}

describe('normalizeIdentity', () => {
  it('trims text, drops NULs and control characters, cuts at 256, keeps a sane outlet count', () => {
    expect(normalizeIdentity({
      serial: '  KS2400001234\0\0', model: 'PX3-5493V\r\n', sysDescr: 'x'.repeat(300), firmware: '', vendor: '   ', outletCount: 24,
    })).toEqual({ serial: 'KS2400001234', model: 'PX3-5493V', sysDescr: 'x'.repeat(256), outletCount: 24 });
    expect(normalizeIdentity({ outletCount: '24' })).toEqual({ outletCount: 24 });
    expect(normalizeIdentity({ outletCount: -1, model: 5 })).toEqual({ model: '5' });
    expect(normalizeIdentity({ outletCount: 2.5 })).toBeUndefined();
    expect(normalizeIdentity({})).toBeUndefined();
  });

  it('gives what the ingest contract accepts', () => {
    const identity = normalizeIdentity({ sysDescr: 'd'.repeat(999), sysObjectId: '1.3.6.1.4.1.13742.6', vendor: 'Raritan', model: 'm', serial: 's', firmware: 'f', outletCount: 1000 });
    expect(Object.keys(identity!).sort()).toEqual([...DEVICE_IDENTITY_FIELDS].sort());
    expect(deviceDecl.safeParse({ name: 'p1', kind: 'pdu', protocol: 'snmp', identity }).success).toBe(true);
  });

  it('sameIdentity compares field by field', () => {
    expect(sameIdentity({ serial: 'a', model: 'b' }, { model: 'b', serial: 'a' })).toBe(true);
    expect(sameIdentity({ serial: 'a' }, { serial: 'a', outletCount: 24 })).toBe(false);
    expect(sameIdentity(undefined, { serial: 'a' })).toBe(false);
    expect(sameIdentity(undefined, undefined)).toBe(true);
  });
});

describe('profile identity sections', () => {
  it('the shipped profiles map what their devices serve', async () => {
    expect((await loadProfile('rfc1628-ups')).identity).toEqual({
      sysDescr: '1.3.6.1.2.1.1.1.0', sysObjectId: '1.3.6.1.2.1.1.2.0', vendor: '1.3.6.1.2.1.33.1.1.1.0', model: '1.3.6.1.2.1.33.1.1.2.0', firmware: '1.3.6.1.2.1.33.1.1.3.0',
    });
    expect((await loadProfile('apc-powernet-ups')).identity).toMatchObject({ serial: '1.3.6.1.4.1.318.1.1.1.1.2.3.0', model: '1.3.6.1.4.1.318.1.1.1.1.1.1.0' });
    expect((await loadProfile('raritan-px2')).identity).toMatchObject({ serial: '1.3.6.1.4.1.13742.6.3.2.1.1.4.1', outletCount: '1.3.6.1.4.1.13742.6.3.2.2.1.4.1' });
    expect((await loadProfile('servertech-sentry4')).identity).toMatchObject({ serial: '1.3.6.1.4.1.1718.4.1.2.2.1.4.1', outletCount: '1.3.6.1.4.1.1718.4.1.3.2.1.24.1.1' });
    expect((await loadProfile('apc-ups-modbus')).identity).toEqual({
      firmware: { table: 'holding', address: 516, type: 'string', words: 8 },
      model: { table: 'holding', address: 532, type: 'string', words: 16 },
      serial: { table: 'holding', address: 564, type: 'string', words: 8 },
    });
  });

  const snmp = (identity: string) => `model: t\nprotocol: snmp\nkind: ups\nidentity:\n${identity}\npoints:\n  - { metric: a, oid: 1.3.6.1.2.1.1.3.0, unit: s, kind: counter }\n`;
  const modbus = (identity: string) => `model: t\nprotocol: modbus\nkind: ups\nidentity:\n${identity}\npoints:\n  - { metric: a, table: holding, address: 0, type: u16, unit: '', kind: gauge }\n`;

  it('SNMP: numeric instance OIDs for known fields only, at least one', () => {
    expect(profileError(snmp('  serial: sysDescr.0')).field).toBe('identity.serial');
    expect(profileError(snmp('  asset: 1.3.6.1.2.1.1.5.0')).reason).toMatch(/asset/);
    expect(profileError(snmp('  {}')).reason).toMatch(/at least one identity field/);
    expect(parseProfile(snmp('  serial: .1.3.6.1.4.1.318.1.1.1.1.2.3.0'), 'test.yaml')).toMatchObject({ identity: { serial: '1.3.6.1.4.1.318.1.1.1.1.2.3.0' } });
  });

  it('Modbus: strings need words, numbers do not; the older list form reads the same', () => {
    expect(profileError(modbus('  serial: { table: holding, address: 564 }')).field).toBe('identity.serial.words');
    expect(profileError(modbus('  outletCount: { table: holding, address: 9, type: u16, words: 1 }')).field).toBe('identity.outletCount.words');
    expect(profileError(modbus('  serial: { table: holding, address: 65535, words: 2 }')).reason).toMatch(/beyond the last Modbus address/);
    const list = parseProfile(modbus('  - { field: serial, table: holding, address: 564, words: 8 }'), 'test.yaml');
    const map = parseProfile(modbus('  serial: { table: holding, address: 564, words: 8 }'), 'test.yaml');
    expect(list.identity).toEqual(map.identity);
    expect(parseProfile(modbus('  outletCount: { table: input, address: 9, type: u16 }'), 'test.yaml').identity).toEqual({ outletCount: { table: 'input', address: 9, type: 'u16' } });
  });

  it('the simulated PDU nameplates fit the identity contract', () => {
    for (const p of Object.values(PDU_PROFILES)) expect(normalizeIdentity({ vendor: p.manufacturer, model: p.model, firmware: p.firmwareVersion })).toEqual({ vendor: p.manufacturer, model: p.model, firmware: p.firmwareVersion });
  });
});

describe('MQTT: identity from the payload', () => {
  const profile = parseProfile(`model: t
protocol: mqtt
kind: sensor
topic: site/+rack/env
device: '{rack}-sensor'
identity:
  model: device.model
  serial: device.serial
  firmware: device.fw
points:
  - { metric: t, path: t, unit: degC, kind: gauge }
`, 'test.yaml') as MqttProfile;

  it('takes the fields the message carries (strings and numbers), nothing when it carries none', () => {
    const d = decodePayload(profile, JSON.stringify({ t: 21, device: { model: 'RS-3', serial: 'S-0042', fw: 12, extra: 'x' } }), Date.now());
    expect(d.identity).toEqual({ model: 'RS-3', serial: 'S-0042', firmware: '12' });
    expect(d.readings).toEqual([{ metric: 't', value: 21, quality: 'ok' }]);
    expect(decodePayload(profile, JSON.stringify({ t: 21, device: { model: { nested: true } } }), Date.now()).identity).toBeUndefined();
    expect(decodePayload(profile, 'not json', Date.now()).identity).toBeUndefined();
  });
});

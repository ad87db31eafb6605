import { describe, expect, it } from 'vitest';
import { UPS_MIB_OBJECTS, wellKnownAlarmOid } from './rfc1628.ts';

describe('RFC 1628 UPS-MIB objects', () => {
  it('describes every object with a unique OID under upsMIB', () => {
    const oids = UPS_MIB_OBJECTS.map((o) => o.oid);
    expect(new Set(oids).size).toBe(oids.length);
    expect(oids.every((o) => o.startsWith('1.3.6.1.2.1.33.1.'))).toBe(true);
    expect(wellKnownAlarmOid('onBattery')).toBe('1.3.6.1.2.1.33.1.6.3.2');
    expect(wellKnownAlarmOid('testInProgress')).toBe('1.3.6.1.2.1.33.1.6.3.24');
  });
});

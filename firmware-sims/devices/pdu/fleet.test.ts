import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import * as snmp from 'net-snmp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPduFleet, pduSnmpOidTables, pduSnmpOidTablesMarkdown, type PduFleet } from './fleet.ts';
import { bulkWalk, fault, makeFakeSim, num, parseSnmpOutput, SKIP_WITHOUT_SNMP_TOOLS, snmpGet, type FakeSim } from './test-support.ts';

const run = promisify(execFile);
const PDU2 = '1.3.6.1.4.1.13742.6';
const ST4 = '1.3.6.1.4.1.1718.4';
const INLET_POWER = `${PDU2}.5.2.3.1.4.1.1.5`;
type SnmpVersion = typeof snmp.Version1 | typeof snmp.Version2c;
const TIMED_OUT = /timed out/i;

function session(port: number, community = 'public', version: SnmpVersion = snmp.Version2c, timeout = 1500) {
  return snmp.createSession('127.0.0.1', community, { port, version, timeout, retries: 0 });
}

function get(port: number, oids: string[], community = 'public', version: SnmpVersion = snmp.Version2c, timeout = 1500): Promise<snmp.Varbind[]> {
  const s = session(port, community, version, timeout);
  return new Promise((resolve, reject) => s.get(oids, (err, vbs) => {
    s.close();
    if (err) reject(err);
    else resolve(vbs ?? []);
  }));
}

function getNext(port: number, oids: string[]): Promise<snmp.Varbind[]> {
  const s = session(port);
  return new Promise((resolve, reject) => s.getNext(oids, (err, vbs) => {
    s.close();
    if (err) reject(err);
    else resolve(vbs ?? []);
  }));
}

function getBulk(port: number, oids: string[], nonRepeaters: number, maxRepetitions: number): Promise<snmp.Varbind[]> {
  const s = session(port);
  return new Promise((resolve, reject) => s.getBulk(oids, nonRepeaters, maxRepetitions, (err, vbs) => {
    s.close();
    if (err) reject(err);
    else resolve((vbs ?? []).flat() as snmp.Varbind[]);
  }));
}

describe('PDU fleet over snmp-lite (net-snmp library client)', () => {
  let sim: FakeSim;
  let fleet: PduFleet;
  let raritanPort: number;
  let sentryPort: number;

  beforeAll(async () => {
    sim = makeFakeSim([{ id: 'r1-a01', vendor: 'raritan' }, { id: 'r1-a02', vendor: 'sentry4', outlets: 16 }]);
    fleet = await startPduFleet(sim.ctx, { host: '127.0.0.1', community: 'public' });
    raritanPort = fleet.endpoints.find((e) => e.pduId === 'r1-a01-pdu-a')!.port;
    sentryPort = fleet.endpoints.find((e) => e.pduId === 'r1-a02-pdu-a')!.port;
  });
  afterAll(async () => {
    await fleet?.close();
  });

  it('serves every PDU of the state in site order, each on its own port', () => {
    expect(fleet.endpoints.map((e) => e.pduId)).toEqual(['r1-a01-pdu-a', 'r1-a01-pdu-b', 'r1-a02-pdu-a', 'r1-a02-pdu-b']);
    expect(new Set(fleet.endpoints.map((e) => e.port)).size).toBe(4);
    expect(fleet.endpoints[2]).toMatchObject({ vendor: 'sentry4', profile: 'servertech-sentry4', host: '127.0.0.1', snmp: { version: '2c', community: 'public' } });
  });

  it('answers Get with values that follow the state between ticks', async () => {
    const [before] = await get(raritanPort, [INLET_POWER]);
    const pdu = sim.state.pdus.get('r1-a01-pdu-a')!;
    pdu.inlet = { ...pdu.inlet, activePowerW: 4321.4 };
    const [after] = await get(raritanPort, [INLET_POWER]);
    expect(after.value).toBe(4321);
    expect(before.value).not.toBe(4321);
    expect(before.type).toBe(snmp.ObjectType.Gauge32);
  });

  it('answers noSuchObject / noSuchInstance for unknown OIDs', async () => {
    const vbs = await get(raritanPort, [`${PDU2}.5.4.3.1.4.1.99.5`, '1.3.6.1.2.1.2.1.0']);
    expect(vbs[0].type).toBe(snmp.ObjectType.NoSuchInstance);
    expect(vbs[1].type).toBe(snmp.ObjectType.NoSuchObject);
  });

  it('GetNext returns strictly increasing OIDs and endOfMibView at the end', async () => {
    const [first] = await getNext(raritanPort, ['1.3']);
    expect(first.oid).toBe('1.3.6.1.2.1.1.1.0');
    const [last] = await getNext(raritanPort, ['1.3.6.1.4.1.13742.7']);
    expect(last.type).toBe(snmp.ObjectType.EndOfMibView);
  });

  it('GetBulk honours non-repeaters and max-repetitions', async () => {
    const vbs = await getBulk(sentryPort, ['1.3.6.1.2.1.1.4', `${ST4}.1.8.3.1.7.1.1`], 1, 5);
    expect(vbs.map((v) => v.oid)).toEqual([
      '1.3.6.1.2.1.1.4.0',
      ...[1, 2, 3, 4, 5].map((o) => `${ST4}.1.8.3.1.7.1.1.${o}`),
    ]);
  });

  it('answers SNMPv1 Get and GetNext; GetBulk is v2c only', async () => {
    const [vb] = await get(sentryPort, [`${ST4}.1.3.3.1.3.1.1`], 'public', snmp.Version1);
    expect(vb.value).toBe(Math.round(sim.state.pdus.get('r1-a02-pdu-a')!.inlet.activePowerW));
    await expect(get(sentryPort, ['1.3.6.1.2.1.99.0'], 'public', snmp.Version1)).rejects.toThrow(/NoSuchName/i);
  });

  it('does not answer a wrong community (the client times out)', async () => {
    await expect(get(raritanPort, ['1.3.6.1.2.1.1.5.0'], 'wrong', snmp.Version2c, 800)).rejects.toThrow(TIMED_OUT);
  });

  it('device_silent: no answer until the fault is cleared', async () => {
    sim.faults.set('r1-a01-pdu-b', fault('device_silent', 'r1-a01-pdu-b'));
    const port = fleet.endpoints.find((e) => e.pduId === 'r1-a01-pdu-b')!.port;
    try {
      await expect(get(port, ['1.3.6.1.2.1.1.5.0'], 'public', snmp.Version2c, 800)).rejects.toThrow(TIMED_OUT);
      // Other PDUs are unaffected.
      expect((await get(raritanPort, ['1.3.6.1.2.1.1.5.0']))[0].value?.toString()).toBe('r1-a01-pdu-a');
    } finally {
      sim.faults.delete('r1-a01-pdu-b');
    }
    expect((await get(port, ['1.3.6.1.2.1.1.5.0']))[0].value?.toString()).toBe('r1-a01-pdu-b');
  });

  it('device_slow {delayMs}: answers after the delay', async () => {
    sim.faults.set('r1-a02-pdu-a', fault('device_slow', 'r1-a02-pdu-a', { delayMs: 700 }));
    try {
      const t0 = performance.now();
      await get(sentryPort, ['1.3.6.1.2.1.1.5.0'], 'public', snmp.Version2c, 3000);
      expect(performance.now() - t0).toBeGreaterThanOrEqual(650);
      await expect(get(sentryPort, ['1.3.6.1.2.1.1.5.0'], 'public', snmp.Version2c, 300)).rejects.toThrow(TIMED_OUT);
    } finally {
      sim.faults.delete('r1-a02-pdu-a');
    }
    const t1 = performance.now();
    await get(sentryPort, ['1.3.6.1.2.1.1.5.0']);
    expect(performance.now() - t1).toBeLessThan(500);
  });

  it('snmp_no_such_instance: vendor objects answer noSuchInstance, walks skip them, the system group still answers', async () => {
    sim.faults.set('r1-a01-pdu-a', fault('snmp_no_such_instance', 'r1-a01-pdu-a'));
    try {
      const vbs = await get(raritanPort, [INLET_POWER, '1.3.6.1.2.1.1.5.0']);
      expect(vbs[0].type).toBe(snmp.ObjectType.NoSuchInstance);
      expect(vbs[1].value?.toString()).toBe('r1-a01-pdu-a');
      const [next] = await getNext(raritanPort, [PDU2]);
      expect(next.type).toBe(snmp.ObjectType.EndOfMibView);
    } finally {
      sim.faults.delete('r1-a01-pdu-a');
    }
    sim.faults.set('r1-a01-pdu-a', fault('snmp_no_such_instance', 'r1-a01-pdu-a', { oid: `${PDU2}.5.2` }));
    try {
      const vbs = await get(raritanPort, [INLET_POWER, `${PDU2}.5.4.3.1.4.1.1.5`]);
      expect(vbs[0].type).toBe(snmp.ObjectType.NoSuchInstance);
      expect(vbs[1].type).toBe(snmp.ObjectType.Gauge32);
    } finally {
      sim.faults.delete('r1-a01-pdu-a');
    }
    expect((await get(raritanPort, [INLET_POWER]))[0].type).toBe(snmp.ObjectType.Gauge32);
  });

  it('a PDU that vanished from the state stays silent', async () => {
    const saved = sim.state.pdus.get('r1-a02-pdu-b')!;
    const port = fleet.endpoints.find((e) => e.pduId === 'r1-a02-pdu-b')!.port;
    sim.state.pdus.delete('r1-a02-pdu-b');
    try {
      await expect(get(port, ['1.3.6.1.2.1.1.5.0'], 'public', snmp.Version2c, 600)).rejects.toThrow(TIMED_OUT);
    } finally {
      sim.state.pdus.set('r1-a02-pdu-b', saved);
    }
  });

  it('refuses a basePort that is taken, closing what it opened', async () => {
    const basePort = fleet.endpoints[1].port - 1;
    await expect(startPduFleet(sim.ctx, { host: '127.0.0.1', community: 'public', basePort })).rejects.toThrow(/in use/);
  });

  it('exports OID tables for the docs', () => {
    expect(pduSnmpOidTables.raritan.objects.find((o) => o.name === 'measurementsOutletSensorValue')).toMatchObject({
      oid: '1.3.6.1.4.1.13742.6.5.4.3.1.4', index: '<pduId>.<outletId>.<sensorType>', syntax: 'Gauge32',
    });
    expect(pduSnmpOidTables.sentry4.objects.find((o) => o.name === 'st4OutletCurrent')).toMatchObject({ oid: '1.3.6.1.4.1.1718.4.1.8.3.1.3', unit: 'A', scaling: '× 0.01' });
    const md = pduSnmpOidTablesMarkdown();
    expect(md).toContain('| measurementsInletSensorValue | `1.3.6.1.4.1.13742.6.5.2.3.1.4` |');
    expect(md).toContain('breakerTripped(12)');
    // The checked-in copy for docs/simulators.md is the generator's output.
    expect(readFileSync(new URL('./OIDS.md', import.meta.url), 'utf8')).toContain(md.trimEnd());
  });
});

describe.skipIf(SKIP_WITHOUT_SNMP_TOOLS)('PDU fleet with net-snmp command-line tools', () => {
  let sim: FakeSim;
  let fleet: PduFleet;

  beforeAll(async () => {
    sim = makeFakeSim([{ id: 'r2-c01', vendor: 'raritan' }, { id: 'r2-c02', vendor: 'sentry4' }]);
    fleet = await startPduFleet(sim.ctx, { host: '127.0.0.1', community: 'public' });
  });
  afterAll(async () => {
    await fleet?.close();
  });

  it('snmpwalk (GetNext) and snmpbulkwalk agree on the whole view, OIDs strictly increasing', async () => {
    for (const endpoint of fleet.endpoints.slice(0, 3)) {
      const { stdout } = await run('snmpwalk', ['-v2c', '-c', 'public', '-On', '-Oe', '-Ot', '-m', '', `127.0.0.1:${endpoint.port}`, '.1'], { maxBuffer: 16 << 20 });
      const walked = parseSnmpOutput(stdout);
      const bulk = await bulkWalk(endpoint.port, '.1', 'public', ['-Cr25']);
      expect(bulk.map((v) => v.oid)).toEqual(walked.map((v) => v.oid));
      expect(walked.length).toBeGreaterThan(400);
    }
  });

  it('snmpget with the wrong community times out', async () => {
    await expect(snmpGet(fleet.endpoints[0].port, ['1.3.6.1.2.1.1.5.0'], 'private-wrong')).rejects.toThrow(/Timeout/);
  });

  it('a walk of a silent PDU times out, the others answer', async () => {
    sim.faults.set(fleet.endpoints[1].pduId, fault('device_silent', fleet.endpoints[1].pduId));
    try {
      await expect(bulkWalk(fleet.endpoints[1].port, PDU2)).rejects.toThrow(/Timeout/);
      expect(num((await snmpGet(fleet.endpoints[0].port, ['1.3.6.1.4.1.13742.6.3.2.2.1.4.1']))[0])).toBe(24);
    } finally {
      sim.faults.delete(fleet.endpoints[1].pduId);
    }
  });
});

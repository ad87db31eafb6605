/**
 * Golden vectors for SNMP tables and the shipped SNMP profiles: raw varbinds → readings. Tables:
 * Raritan decimal digits from a sibling column, Sentry4 fixed scales and -1 sentinels, ENTITY-SENSOR
 * scale/precision, Counter64 energy; the walk guard against non-increasing OIDs and runaway tables.
 */
import * as snmp from 'net-snmp';
import { describe, expect, it } from 'vitest';
import { loadProfile, parseProfile, type SnmpProfile } from '../../profile.ts';
import type { RawReading } from '../types.ts';
import { decodeVarbind } from './decode.ts';
import { columnsToWalk, compareOids, decodeTables, entitySensorExponent, SnmpWalkError, walkColumn, walkColumns, type GetBulk, type GetBulkColumns, type WalkedColumns } from './tables.ts';

const T = snmp.ObjectType;
type Row = [oid: string, type: snmp.ObjectType, value: unknown];

/** Group raw varbinds by the profile's walked columns, as the driver does. */
function walked(profile: SnmpProfile, rows: Row[]): WalkedColumns {
  const out: WalkedColumns = new Map();
  for (const col of columnsToWalk(profile.tables ?? [])) {
    const m = new Map<string, snmp.Varbind>();
    for (const [oid, type, value] of rows) if (oid.startsWith(`${col}.`)) m.set(oid.slice(col.length + 1), { oid, type, value } as snmp.Varbind);
    out.set(col, m);
  }
  return out;
}
const values = (readings: RawReading[]) => Object.fromEntries(readings.map((r) => [r.metric, r.quality === 'ok' ? r.value : r.quality]));

describe('raritan-px2 golden vectors', () => {
  const R = '1.3.6.1.4.1.13742.6';
  it('outlet readings ÷ 10^decimal digits, relay and breaker states, energy counter', async () => {
    const profile = await loadProfile('raritan-px2');
    const rows: Row[] = [];
    const sensor = (table: string, digitsTable: string, idx: string, raw: number, digits: number, available = 1) => {
      rows.push([`${R}.${table}.4.${idx}`, T.Gauge32, raw], [`${R}.${digitsTable}.7.${idx}`, T.Gauge32, digits]);
      if (table === '5.4.3.1') rows.push([`${R}.5.4.3.1.2.${idx}`, T.Integer, available]);
    };
    sensor('5.2.3.1', '3.3.4.1', '1.1.1', 9876, 3);
    sensor('5.2.3.1', '3.3.4.1', '1.1.4', 230, 0);
    sensor('5.2.3.1', '3.3.4.1', '1.1.5', 2150, 0);
    sensor('5.2.3.1', '3.3.4.1', '1.1.7', 95, 2);
    sensor('5.2.3.1', '3.3.4.1', '1.1.8', 4_000_000_000, 0);
    sensor('5.2.3.1', '3.3.4.1', '1.1.23', 500, 1);
    sensor('5.4.3.1', '3.5.4.1', '1.3.1', 1234, 3);
    sensor('5.4.3.1', '3.5.4.1', '1.3.5', 268, 0);
    sensor('5.4.3.1', '3.5.4.1', '1.3.7', 97, 2);
    sensor('5.4.3.1', '3.5.4.1', '1.3.8', 123456, 0);
    sensor('5.4.3.1', '3.5.4.1', '1.4.5', 11, 0, 2); // not available
    sensor('5.4.3.1', '3.5.4.1', '2.3.5', 999, 0); // pduId 2: not this PDU
    rows.push([`${R}.4.1.2.1.3.1.3`, T.Integer, 7], [`${R}.4.1.2.1.3.1.4`, T.Integer, 8]);
    rows.push([`${R}.5.3.3.1.3.1.1.15`, T.Integer, 0], [`${R}.5.3.3.1.3.1.1.1`, T.Integer, 4]);
    const readings = decodeTables(profile.tables!, walked(profile, rows));
    expect(values(readings)).toEqual({
      'inlet.1.current': 9.876, 'inlet.1.voltage': 230, 'inlet.1.power': 2150, 'inlet.1.power_factor': 0.95, 'inlet.1.energy': 4_000_000_000, 'inlet.1.frequency': 50,
      'outlet.3.current': 1.234, 'outlet.3.power': 268, 'outlet.3.power_factor': 0.97, 'outlet.3.energy': 123456, 'outlet.4.power': 'sentinel',
      'outlet.3.state': 7, 'outlet.4.state': 8, 'breaker.1.state': 0,
    });
    const byMetric = new Map(readings.map((r) => [r.metric, r]));
    expect(byMetric.get('outlet.3.power')!.decl).toEqual({ unit: 'W', kind: 'gauge', role: 'pdu.outlet.power', description: 'Outlet 3 active power' });
    expect(byMetric.get('outlet.3.state')!.decl!.states).toEqual({ 7: 'on', 8: 'off' });
    expect(byMetric.get('breaker.1.state')!.decl!.states).toMatchObject({ 0: 'open', 1: 'closed' });
    expect(byMetric.get('inlet.1.energy')!.decl).toMatchObject({ unit: 'Wh', kind: 'counter', role: 'pdu.inlet.energy' });
  });
});

describe('servertech-sentry4 golden vectors', () => {
  const S = '1.3.6.1.4.1.1718.4.1';
  it('fixed scales, -1 = not available, status labels', async () => {
    const profile = await loadProfile('servertech-sentry4');
    const rows: Row[] = [
      [`${S}.3.3.1.3.1.1`, T.Integer, 2150], [`${S}.3.3.1.8.1.1`, T.Integer, 95], [`${S}.3.3.1.10.1.1`, T.Integer, 1234], [`${S}.3.3.1.11.1.1`, T.Integer, 600],
      [`${S}.4.3.1.3.1.1.1`, T.Integer, 987], [`${S}.5.3.1.3.1.1.1`, T.Integer, 2301],
      [`${S}.6.3.1.1.1.1.1`, T.Integer, 12],
      [`${S}.8.3.1.1.1.1.3`, T.Integer, 1], [`${S}.8.3.1.2.1.1.3`, T.Integer, 12], [`${S}.8.3.1.3.1.1.3`, T.Integer, 123], [`${S}.8.3.1.6.1.1.3`, T.Integer, 2298],
      [`${S}.8.3.1.7.1.1.3`, T.Integer, 268], [`${S}.8.3.1.10.1.1.3`, T.Integer, -1], [`${S}.8.3.1.14.1.1.3`, T.Integer, 4567],
      [`${S}.8.3.1.7.2.1.3`, T.Integer, 1], // unit 2: not read
    ];
    const readings = decodeTables(profile.tables!, walked(profile, rows));
    expect(values(readings)).toEqual({
      'inlet.1.power': 2150, 'inlet.1.power_factor': 0.95, 'inlet.1.energy': 123400, 'inlet.1.frequency': 60, 'inlet.1.current': 9.87, 'inlet.1.voltage': 230.1,
      'breaker.1.status': 12,
      'outlet.3.state': 1, 'outlet.3.status': 12, 'outlet.3.current': 1.23, 'outlet.3.voltage': 229.8, 'outlet.3.power': 268, 'outlet.3.power_factor': 'sentinel', 'outlet.3.energy': 4567,
    });
    const status = readings.find((r) => r.metric === 'outlet.3.status')!;
    expect(status.decl!.states![12]).toBe('breakerTripped');
    expect(readings.find((r) => r.metric === 'breaker.1.status')!.decl!.states![0]).toBe('normal');
  });
});

describe('entity-sensor golden vectors', () => {
  const E = '1.3.6.1.2.1.99.1.1.1';
  it('value × 10^(3·(scale−9)) × 10^(−precision), type picks the metric, operStatus gates', async () => {
    expect(entitySensorExponent(9, 1)).toBe(-1);
    expect(entitySensorExponent(8, 0)).toBe(-3);
    expect(entitySensorExponent(10, 2)).toBe(1);
    const profile = await loadProfile('entity-sensor');
    const sensor = (idx: number, type: number, scale: number, precision: number, value: number, oper = 1): Row[] => [
      [`${E}.1.${idx}`, T.Integer, type], [`${E}.2.${idx}`, T.Integer, scale], [`${E}.3.${idx}`, T.Integer, precision], [`${E}.4.${idx}`, T.Integer, value], [`${E}.5.${idx}`, T.Integer, oper],
    ];
    const rows = [
      ...sensor(1001, 8, 9, 1, 235), ...sensor(1002, 5, 8, 0, 1250), ...sensor(1003, 6, 10, 2, 315), ...sensor(1004, 3, 9, 0, 230),
      ...sensor(1005, 9, 9, 0, 45, 2), ...sensor(1006, 7, 9, 2, 5001), ...sensor(1007, 10, 9, 0, 4200), ...sensor(1008, 8, 9, 2, -512),
    ];
    expect(values(decodeTables(profile.tables!, walked(profile, rows)))).toEqual({
      'sensor.1001.temperature': 23.5, 'sensor.1002.current': 1.25, 'sensor.1003.power': 3150, 'sensor.1004.voltage': 230,
      'sensor.1005.humidity': 'sentinel', 'sensor.1006.frequency': 50.01, 'sensor.1007.fan_speed': 4200, 'sensor.1008.temperature': -5.12,
      'sensor.1001.status': 1, 'sensor.1002.status': 1, 'sensor.1003.status': 1, 'sensor.1004.status': 1, 'sensor.1005.status': 2, 'sensor.1006.status': 1, 'sensor.1007.status': 1, 'sensor.1008.status': 1,
    });
  });
});

describe('apc-powernet-ups golden vectors (scalars)', () => {
  it.each<[string, snmp.ObjectType, unknown, number | 'sentinel' | 'out_of_range']>([
    ['battery.charge', T.Gauge32, 100, 100],
    ['battery.charge_hp', T.Gauge32, 985, 98.5],
    ['battery.temperature', T.Gauge32, 27, 27],
    ['battery.runtime', T.TimeTicks, 1_260_000, 210],
    ['battery.runtime', T.TimeTicks, 90_000, 15],
    ['battery.replace', T.Integer, 2, 2],
    ['input.voltage', T.Gauge32, 231, 231],
    ['input.voltage_hp', T.Gauge32, 2306, 230.6],
    ['output.status', T.Integer, 3, 3],
    ['output.load', T.Gauge32, 42, 42],
    ['output.load_hp', T.Gauge32, 423, 42.3],
    ['battery.charge', T.Gauge32, 250, 'out_of_range'],
    ['output.load', T.NoSuchInstance, null, 'sentinel'],
  ])('%s %s %s', async (metric, type, value, expected) => {
    const profile = await loadProfile('apc-powernet-ups');
    const point = profile.points.find((p) => p.metric === metric)!;
    const d = decodeVarbind({ oid: point.oid, type, value } as snmp.Varbind, point);
    expect(typeof expected === 'number' ? d : d.quality).toEqual(typeof expected === 'number' ? { value: expected, quality: 'ok' } : expected);
  });
  it('labels upsBasicOutputStatus', async () => {
    const profile = await loadProfile('apc-powernet-ups');
    expect(profile.points.find((p) => p.metric === 'output.status')!.states).toMatchObject({ 2: 'onLine', 3: 'onBattery', 4: 'onSmartBoost', 7: 'off', 9: 'switchedBypass', 10: 'hardwareFailureBypass', 12: 'onSmartTrim' });
  });
});

describe('Counter64 energy in a table', () => {
  it('BigInt buffer → number Wh, 9-byte BER form too', () => {
    const profile = parseProfile(`model: t
protocol: snmp
kind: pdu
points: [{metric: system.uptime, oid: 1.3.6.1.2.1.1.3.0, unit: s, kind: counter}]
tables:
  - {name: e, index: [outlet], columns: [{metric: 'outlet.{outlet}.energy', oid: 1.3.6.1.4.1.99.1, unit: Wh, kind: counter}]}
`, 't.yaml') as SnmpProfile;
    const w: WalkedColumns = new Map([['1.3.6.1.4.1.99.1', new Map([
      ['1', { oid: '1.3.6.1.4.1.99.1.1', type: T.Counter64, value: Buffer.from('0000000100000000', 'hex') } as snmp.Varbind],
      ['2', { oid: '1.3.6.1.4.1.99.1.2', type: T.Counter64, value: Buffer.from('00000000000001e240', 'hex') } as snmp.Varbind],
    ])]]);
    expect(values(decodeTables(profile.tables!, w))).toEqual({ 'outlet.1.energy': 4294967296, 'outlet.2.energy': 123456 });
  });
});

describe('walkColumn guard', () => {
  const vb = (oid: string, value = 1): snmp.Varbind => ({ oid, type: T.Integer, value } as snmp.Varbind);
  const agent = (pages: snmp.Varbind[][]): GetBulk & { calls: string[][] } => {
    const calls: string[][] = [];
    const fn: GetBulk = async (oids) => { calls.push(oids); return pages.shift() ?? []; };
    return Object.assign(fn, { calls });
  };
  it('walks page by page until the column ends', async () => {
    const get = agent([[vb('1.2.3.1'), vb('1.2.3.2')], [vb('1.2.3.10'), vb('1.2.4.1')]]);
    const rows = await walkColumn(get, '1.2.3', { maxRepetitions: 2 });
    expect([...rows.keys()]).toEqual(['1', '2', '10']);
    expect(get.calls).toEqual([['1.2.3'], ['1.2.3.2']]);
  });
  it('stops at endOfMibView', async () => {
    const rows = await walkColumn(agent([[vb('1.2.3.1'), { oid: '1.2.3.1', type: T.EndOfMibView, value: null } as snmp.Varbind]]), '1.2.3', { maxRepetitions: 5 });
    expect(rows.size).toBe(1);
  });
  it('fails with the OID when the agent goes backwards (and keeps what it read)', async () => {
    const err = await walkColumn(agent([[vb('1.2.3.5'), vb('1.2.3.4')]]), '1.2.3', { maxRepetitions: 5 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SnmpWalkError);
    expect((err as Error).message).toBe('OID not increasing: 1.2.3.4 after 1.2.3.5 while walking 1.2.3 (agent bug; the walk stops here)');
    expect([...(err as SnmpWalkError).rows.keys()]).toEqual(['5']);
  });
  it('fails on a repeated OID (an agent that loops)', async () => {
    await expect(walkColumn(agent([[vb('1.2.3.1')], [vb('1.2.3.1')]]), '1.2.3', { maxRepetitions: 1 })).rejects.toThrow(/OID not increasing: 1\.2\.3\.1 after 1\.2\.3\.1/);
  });
  it('bounds the rows', async () => {
    const page = Array.from({ length: 10 }, (_, i) => vb(`1.2.3.${i + 1}`));
    await expect(walkColumn(agent([page]), '1.2.3', { maxRepetitions: 10, maxRows: 5 })).rejects.toThrow('more than 5 rows under 1.2.3');
  });
});

describe('walkColumn sized by the last walk', () => {
  const vb = (oid: string, value = 1): snmp.Varbind => ({ oid, type: T.Integer, value } as snmp.Varbind);
  it('asks for the rows expected plus the one that ends the column, never more than maxRepetitions', async () => {
    const asked: number[] = [];
    const rowsOf = (from: number, n: number) => Array.from({ length: n }, (_, i) => vb(`1.2.3.${from + i}`));
    const pages = [[...rowsOf(1, 3), vb('1.2.4.1')]];
    const get: GetBulk = async (_oids, _nr, reps) => { asked.push(reps); return pages.shift() ?? []; };
    expect([...(await walkColumn(get, '1.2.3', { maxRepetitions: 50, expectedRows: 3 })).keys()]).toEqual(['1', '2', '3']);
    expect(asked).toEqual([4]);
    const big: number[] = [];
    const pages2 = [rowsOf(1, 5), [...rowsOf(6, 2), vb('1.2.4.1')]];
    await walkColumn(async (_o, _n, reps) => { big.push(reps); return pages2.shift() ?? []; }, '1.2.3', { maxRepetitions: 5, expectedRows: 7 });
    expect(big).toEqual([5, 3]);
  });
});

describe('walkColumns: several columns per GETBULK', () => {
  const vb = (oid: string, value = 1): snmp.Varbind => ({ oid, type: T.Integer, value } as snmp.Varbind);
  /** An agent with these OIDs (sorted) answering GETBULK per requested OID, at most `cap` varbinds in all. */
  const agent = (oids: string[], cap = Infinity): GetBulkColumns & { calls: Array<{ oids: string[]; reps: number }> } => {
    const sorted = [...oids].sort(compareOids);
    const calls: Array<{ oids: string[]; reps: number }> = [];
    const fn: GetBulkColumns = async (requested, reps) => {
      calls.push({ oids: requested, reps });
      const perColumn = requested.map((from) => {
        const after = sorted.filter((o) => compareOids(o, from) > 0).slice(0, reps).map((o) => vb(o));
        while (after.length < reps) after.push({ oid: from, type: T.EndOfMibView, value: null } as snmp.Varbind);
        return after;
      });
      // Interleaved on the wire (row by row); an agent short of room cuts whole repetitions off the end.
      const rowsThatFit = Math.floor(cap / requested.length);
      return perColumn.map((list) => list.slice(0, rowsThatFit));
    };
    return Object.assign(fn, { calls });
  };
  const table = (cols: number[], rows: number) => cols.flatMap((c) => Array.from({ length: rows }, (_, r) => `1.9.${c}.${r + 1}`));

  it('walks the columns of a table side by side and reads what column-by-column walks read', async () => {
    const oids = [...table([1, 2, 3], 4), '1.9.4.1', '2.1.0'];
    const get = agent(oids);
    const walked = await walkColumns(get, ['1.9.1', '1.9.2', '1.9.3'], { maxRepetitions: 50, expectedRows: 4 });
    expect(get.calls).toEqual([{ oids: ['1.9.1', '1.9.2', '1.9.3'], reps: 5 }]);
    for (const c of [1, 2, 3]) {
      const one = await walkColumn(async (o, _n, reps) => (await agent(oids)(o, reps))[0], `1.9.${c}`, { maxRepetitions: 2 });
      expect([...walked.get(`1.9.${c}`)!.rows.keys()]).toEqual([...one.keys()]);
      expect(walked.get(`1.9.${c}`)!.error).toBeUndefined();
    }
  });

  it('copes with columns of different lengths, a grown table and answers cut short by the agent', async () => {
    const oids = [...table([1], 9), ...table([2], 3), '1.9.3.1'];
    const get = agent(oids, 4); // at most 4 varbinds per answer: 2 rows of 2 columns
    const walked = await walkColumns(get, ['1.9.1', '1.9.2'], { maxRepetitions: 50, expectedRows: 3 });
    expect(walked.get('1.9.1')!.rows.size).toBe(9);
    expect(walked.get('1.9.2')!.rows.size).toBe(3);
    expect(get.calls.length).toBeGreaterThan(2);
    expect(get.calls.at(-1)!.oids).toEqual(['1.9.1.8']); // column 2 ended, column 1 goes on alone
  });

  it('stops a misbehaving column with its error and keeps walking the others', async () => {
    const pages: snmp.Varbind[][][] = [
      [[vb('1.9.1.5'), vb('1.9.1.4')], [vb('1.9.2.1'), vb('1.9.2.2')]],
      [[vb('1.9.2.3'), vb('1.9.3.1')]],
    ];
    const calls: string[][] = [];
    const walked = await walkColumns(async (o) => { calls.push(o); return pages.shift() ?? []; }, ['1.9.1', '1.9.2'], { maxRepetitions: 2 });
    expect(walked.get('1.9.1')!.error?.message).toBe('OID not increasing: 1.9.1.4 after 1.9.1.5 while walking 1.9.1 (agent bug; the walk stops here)');
    expect([...walked.get('1.9.1')!.rows.keys()]).toEqual(['5']);
    expect([...walked.get('1.9.2')!.rows.keys()]).toEqual(['1', '2', '3']);
    expect(calls).toEqual([['1.9.1', '1.9.2'], ['1.9.2.2']]);
  });

  it('compareOids orders numerically, component by component', () => {
    expect(compareOids('1.3.6.1.2', '1.3.6.1.10')).toBe(-1);
    expect(compareOids('1.3.6.1', '1.3.6.1.0')).toBe(-1);
    expect(compareOids('1.3.6.1.0', '1.3.6.1')).toBe(1);
    expect(compareOids('1.3.6.10.1', '1.3.6.9.2')).toBe(1);
    expect(compareOids('1.3.6', '1.3.6')).toBe(0);
    expect(compareOids('1.2.3.17.4', '1.2.3.17.10', 6)).toBe(-1);
  });
});

describe('table schema errors name the field', () => {
  const base = `model: t\nprotocol: snmp\nkind: pdu\npoints: [{metric: up, oid: 1.3.6.1.2.1.1.3.0, unit: s, kind: counter}]\n`;
  it.each([
    ['unknown placeholder', `tables: [{name: o, index: [outlet], columns: [{metric: 'outlet.{outlt}.power', oid: 1.3.6.1.4.1.1, unit: W, kind: gauge}]}]`, /tables\[0\]\.columns\[0\]\.metric: placeholder \{outlt\} is not an index component/],
    ['match on unknown component', `tables: [{name: o, index: [outlet], match: {pdu: 1}, columns: [{metric: 'o.{outlet}', oid: 1.3.6.1.4.1.1, unit: W, kind: gauge}]}]`, /tables\[0\]\.match\.pdu: 'pdu' is not an index component/],
    ['two scalings', `tables: [{name: o, index: [outlet], columns: [{metric: 'o.{outlet}', oid: 1.3.6.1.4.1.1, scale: 0.1, decimalDigitsOid: 1.3.6.1.4.1.2, unit: W, kind: gauge}]}]`, /use one of scale\/divisor, decimalDigitsOid or entitySensor/],
    ['bad column OID', `tables: [{name: o, index: [outlet], columns: [{metric: 'o.{outlet}', oid: outletPower, unit: W, kind: gauge}]}]`, /columns\[0\]\.oid: numeric OID/],
  ])('%s', (_name, tables, message) => {
    expect(() => parseProfile(base + tables, 'bad.yaml')).toThrow(message);
  });
});

/**
 * The UPS SNMP agent read by real net-snmp tools (snmpbulkwalk v2c/v3, snmpget, snmptrapd) over UDP.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SentNotification } from '../../protocols/snmp/notifier.ts';
import type { UpsState } from '../../site/types.ts';
import { EMPTY_ALARM_TABLE, reconcileAlarmTable } from '../../physics/ups-alarms.ts';
import { UPS_MIB_OBJECTS, UPS_TRAPS, wellKnownAlarmOid } from './rfc1628.ts';
import { FakeSim, compareOids, freeUdpPort, haveTool, makeUpsState, onBatteryState, parseSnmpOutput, runTool, type WalkLine } from './test-fixtures.ts';
import { startUpsSnmp, upsMibValues, type UpsSnmpAgent } from './ups-snmp.ts';

const UPS_MIB = '1.3.6.1.2.1.33';
const V3 = { user: 'kiban-ops', authKey: 'auth-secret-1', privKey: 'priv-secret-1' };
const NO_MIBS = ['-m', '', '-M', '/nonexistent']; // numeric output, no MIB-file noise
const tools = { snmp: false, trapd: false };

/** snmp* printing type names: net-snmp's labels for each SMI type. */
const NET_SNMP_TYPE: Record<string, string> = { 2: 'INTEGER', 4: 'STRING', 6: 'OID', 65: 'Counter32', 66: 'Gauge32', 67: 'Timeticks' };

function assertFullTree(lines: WalkLine[], ups: UpsState, agent: UpsSnmpAgent) {
  // strictly increasing (snmpbulkwalk without -Cc already refuses otherwise) and all inside the subtree
  for (let i = 1; i < lines.length; i++) expect(compareOids(lines[i - 1].oid, lines[i].oid), `${lines[i - 1].oid} < ${lines[i].oid}`).toBeLessThan(0);
  expect(lines.every((l) => l.oid.startsWith(`${UPS_MIB}.`))).toBe(true);

  const byOid = new Map(lines.map((l) => [l.oid, l]));
  const values = upsMibValues(ups, agent.identity, 'ups-1');
  const rowValues: Record<string, Record<string, unknown>> = { upsInputTable: values.inputLine, upsOutputTable: values.outputLine, upsBypassTable: values.bypassLine };
  const expected: Array<{ oid: string; type: string; value: unknown }> = [];
  for (const o of UPS_MIB_OBJECTS) {
    if (!o.table) expected.push({ oid: `${o.oid}.0`, type: NET_SNMP_TYPE[o.type], value: values.scalars[o.name] });
    else if (o.table !== 'upsAlarmTable') expected.push({ oid: `${o.oid}.1`, type: NET_SNMP_TYPE[o.type], value: rowValues[o.table][o.name] });
  }
  for (const row of ups.alarms) expected.push({ oid: `${UPS_MIB}.1.6.2.1.2.${row.id}`, type: 'OID', value: `.${wellKnownAlarmOid(row.alarm)}` });
  for (const e of expected) {
    const line = byOid.get(e.oid);
    expect(line, `missing ${e.oid}`).toBeDefined();
    // net-snmp prints an empty OCTET STRING as `""` without a type label
    if (e.value === '') { expect(line!.value, e.oid).toBe(''); continue; }
    expect(line!.type, e.oid).toBe(e.type);
    if (e.type === 'OID') expect(line!.value, e.oid).toBe(String(e.value).startsWith('.') ? e.value : `.${e.value}`);
    else if (e.type === 'Timeticks') expect(line!.value, e.oid).toMatch(new RegExp(`^\\(${e.value}\\)`));
    else expect(line!.value, e.oid).toBe(String(e.value));
  }
  // index columns are not-accessible: never walked
  for (const index of ['1.3.3.1.1', '1.4.4.1.1', '1.5.3.1.1', '1.6.2.1.1']) expect(lines.some((l) => l.oid.startsWith(`${UPS_MIB}.${index}.`))).toBe(false);
  // a few values checked by hand against the fixture (units of RFC 1628)
  expect(byOid.get(`${UPS_MIB}.1.4.1.0`)!.value).toBe(ups.source === 'battery' ? '5' : '3');
  expect(byOid.get(`${UPS_MIB}.1.4.4.1.3.1`)!.value).toBe(String(Math.round(ups.outputCurrentA * 10)));
  expect(byOid.get(`${UPS_MIB}.1.3.3.1.2.1`)!.value).toBe(String(Math.round(ups.inputFrequencyHz * 10)));
  expect(byOid.get(`${UPS_MIB}.1.2.5.0`)!.value).toBe(String(Math.round(ups.batteryVoltageV * 10)));
  expect(byOid.get(`${UPS_MIB}.1.6.1.0`)).toMatchObject({ type: 'Gauge32', value: String(ups.alarms.length) });
}

describe('UPS SNMP agent (RFC 1628) read by net-snmp tools', () => {
  const sim = new FakeSim([makeUpsState()]);
  let agent: UpsSnmpAgent;
  const target = () => `127.0.0.1:${agent.port}`;
  const v2 = (tool: string, ...args: string[]) => runTool(tool, ['-v2c', '-c', 'public', '-On', ...NO_MIBS, ...args]);
  const v3 = (tool: string, ...args: string[]) =>
    runTool(tool, ['-v3', '-l', 'authPriv', '-u', V3.user, '-a', 'SHA', '-A', V3.authKey, '-x', 'AES', '-X', V3.privKey, '-On', ...NO_MIBS, ...args]);

  beforeAll(async () => {
    tools.snmp = await haveTool('snmpbulkwalk');
    tools.trapd = await haveTool('snmptrapd');
    agent = await startUpsSnmp(sim, 'ups-1', { host: '127.0.0.1', port: 0, community: 'public', v3User: V3 });
  });
  afterAll(async () => { await agent?.close(); });

  it('snmpbulkwalk -v2c walks the whole UPS-MIB with strictly increasing OIDs and RFC units', async (t) => {
    if (!tools.snmp) return t.skip();
    const lowBattery = [...reconcileAlarmTable(EMPTY_ALARM_TABLE, new Set(['onBattery', 'lowBattery']), Date.now()).rows];
    sim.tick(onBatteryState(makeUpsState({ alarms: lowBattery, batteryStatus: 'low' })));
    const walk = await v2('snmpbulkwalk', target(), UPS_MIB);
    expect(walk.stderr).not.toMatch(/not increasing/i);
    expect(walk.code).toBe(0);
    const lines = parseSnmpOutput(walk.stdout);
    expect(lines.length).toBeGreaterThan(55);
    assertFullTree(lines, sim.ups(), agent);
  });

  it('snmpbulkwalk -v3 authPriv SHA/AES reads the same tree', async (t) => {
    if (!tools.snmp) return t.skip();
    sim.tick(makeUpsState({ outputPowerW: 5123, outputCurrentA: 22.3 }));
    const walk = await v3('snmpbulkwalk', target(), UPS_MIB);
    expect(walk.stderr).not.toMatch(/not increasing/i);
    expect(walk.code).toBe(0);
    assertFullTree(parseSnmpOutput(walk.stdout), sim.ups(), agent);
  });

  it('gives no data for a wrong community or wrong v3 keys', async (t) => {
    if (!tools.snmp) return t.skip();
    const oid = `${UPS_MIB}.1.4.1.0`;
    const wrongCommunity = await runTool('snmpget', ['-v2c', '-c', 'private', '-t', '0.5', '-r', '0', '-On', ...NO_MIBS, target(), oid]);
    expect(wrongCommunity.code).not.toBe(0);
    expect(wrongCommunity.stderr).toMatch(/Timeout/);
    expect(parseSnmpOutput(wrongCommunity.stdout)).toEqual([]);
    const wrongAuth = await runTool('snmpget', ['-v3', '-l', 'authPriv', '-u', V3.user, '-a', 'SHA', '-A', 'not-the-key', '-x', 'AES', '-X', V3.privKey, '-t', '0.5', '-r', '0', '-On', ...NO_MIBS, target(), oid]);
    expect(wrongAuth.code).not.toBe(0);
    expect(parseSnmpOutput(wrongAuth.stdout)).toEqual([]);
    const wrongPriv = await runTool('snmpget', ['-v3', '-l', 'authPriv', '-u', V3.user, '-a', 'SHA', '-A', V3.authKey, '-x', 'AES', '-X', 'not-the-key', '-t', '0.5', '-r', '0', '-On', ...NO_MIBS, target(), oid]);
    expect(wrongPriv.code).not.toBe(0);
    expect(parseSnmpOutput(wrongPriv.stdout)).toEqual([]);
    const unknownUser = await runTool('snmpget', ['-v3', '-l', 'authPriv', '-u', 'intruder', '-a', 'SHA', '-A', V3.authKey, '-x', 'AES', '-X', V3.privKey, '-t', '0.5', '-r', '0', '-On', ...NO_MIBS, target(), oid]);
    expect(parseSnmpOutput(unknownUser.stdout)).toEqual([]);
  });

  it('alarm table follows the RFC id rules: ids 1 and 2, then a new alarm gets 3', async (t) => {
    if (!tools.snmp) return t.skip();
    const t0 = Date.now();
    let table = reconcileAlarmTable(EMPTY_ALARM_TABLE, new Set(['onBattery', 'lowBattery']), t0);
    sim.tick(onBatteryState(makeUpsState({ alarms: [...table.rows] })));
    let rows = parseSnmpOutput((await v2('snmpbulkwalk', target(), `${UPS_MIB}.1.6`)).stdout);
    expect(rows.find((l) => l.oid === `${UPS_MIB}.1.6.1.0`)?.value).toBe('2');
    expect(rows.filter((l) => l.oid.startsWith(`${UPS_MIB}.1.6.2.1.2.`)).map((l) => [l.oid.split('.').pop(), l.value])).toEqual([
      ['1', `.${UPS_MIB}.1.6.3.2`],
      ['2', `.${UPS_MIB}.1.6.3.3`],
    ]);
    const firstTimes = rows.filter((l) => l.oid.startsWith(`${UPS_MIB}.1.6.2.1.3.`)).map((l) => Number(/\((\d+)\)/.exec(l.value)?.[1]));
    expect(firstTimes).toHaveLength(2);
    expect(firstTimes.every((v) => v > 0 && v <= agent.sysUpTime())).toBe(true);

    // onBattery clears, depletedBattery appears: lowBattery keeps id 2, the new row takes 3 (not the freed 1).
    table = reconcileAlarmTable(table, new Set(['lowBattery', 'depletedBattery']), t0 + 5000);
    sim.tick(makeUpsState({ alarms: [...table.rows], batteryStatus: 'depleted' }));
    rows = parseSnmpOutput((await v2('snmpbulkwalk', target(), `${UPS_MIB}.1.6`)).stdout);
    expect(rows.filter((l) => l.oid.startsWith(`${UPS_MIB}.1.6.2.1.2.`)).map((l) => [l.oid.split('.').pop(), l.value])).toEqual([
      ['2', `.${UPS_MIB}.1.6.3.3`],
      ['3', `.${UPS_MIB}.1.6.3.4`],
    ]);
    const time2 = Number(/\((\d+)\)/.exec(rows.find((l) => l.oid === `${UPS_MIB}.1.6.2.1.3.2`)!.value)![1]);
    expect(time2).toBe(firstTimes[1]); // a kept row keeps its detection time

    // all clear: the table disappears from walks, upsAlarmsPresent = 0
    sim.tick(makeUpsState({ alarms: [] }));
    rows = parseSnmpOutput((await v2('snmpbulkwalk', target(), `${UPS_MIB}.1.6`)).stdout);
    expect(rows.map((l) => [l.oid, l.value])).toEqual([[`${UPS_MIB}.1.6.1.0`, '0']]);
  });

  it('communication faults: silent (timeout), slow (answer after the delay), noSuchInstance', async (t) => {
    if (!tools.snmp) return t.skip();
    sim.tick(makeUpsState());
    const oid = `${UPS_MIB}.1.4.1.0`;
    try {
      sim.setFault('ups-1', 'device_silent');
      const silent = await v2('snmpget', '-t', '1', '-r', '0', target(), oid);
      expect(silent.stderr).toMatch(/Timeout/);
      expect(parseSnmpOutput(silent.stdout)).toEqual([]);

      sim.setFault('ups-1', 'device_slow', { delayMs: 1500 });
      const slow = await v2('snmpget', '-t', '5', '-r', '0', target(), oid);
      expect(parseSnmpOutput(slow.stdout)).toEqual([{ oid, type: 'INTEGER', value: '3' }]);
      expect(slow.elapsedMs).toBeGreaterThanOrEqual(1450);
      const tooSlow = await v2('snmpget', '-t', '0.5', '-r', '0', target(), oid);
      expect(tooSlow.stderr).toMatch(/Timeout/);

      sim.setFault('ups-1', 'snmp_no_such_instance');
      const nsi = await v2('snmpget', target(), oid, `${UPS_MIB}.1.4.4.1.4.1`);
      expect(nsi.stdout).toContain(`${oid} = No Such Instance currently exists at this OID`);
      expect(nsi.stdout).toContain(`${UPS_MIB}.1.4.4.1.4.1 = No Such Instance currently exists at this OID`);

      sim.setFault('ups-1', 'snmp_no_such_instance', { oids: [`${UPS_MIB}.1.4.4`] });
      const partial = parseSnmpOutput((await v2('snmpget', target(), oid, `${UPS_MIB}.1.4.4.1.4.1`)).stdout);
      expect(partial[0]).toEqual({ oid, type: 'INTEGER', value: '3' });
      expect((await v2('snmpget', target(), `${UPS_MIB}.1.4.4.1.4.1`)).stdout).toContain('No Such Instance');
    } finally {
      sim.clearFault('ups-1');
    }
    expect(parseSnmpOutput((await v2('snmpget', target(), oid)).stdout)).toEqual([{ oid, type: 'INTEGER', value: '3' }]);
  });
});

describe('UPS-MIB notifications received by snmptrapd', () => {
  let dir: string;
  let trapd: ChildProcess | undefined;
  let trapOutput = '';
  let agent: UpsSnmpAgent | undefined;
  const sent: SentNotification[] = [];
  const sim = new FakeSim([makeUpsState()]);

  const waitFor = async (pattern: RegExp, timeoutMs = 8000) => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (pattern.test(trapOutput)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`snmptrapd never printed ${pattern}; output:\n${trapOutput}`);
  };

  beforeAll(async () => {
    if (!(await haveTool('snmptrapd'))) return;
    dir = await mkdtemp(join(tmpdir(), 'kiban-trapd-'));
    await writeFile(join(dir, 'snmptrapd.conf'), 'disableAuthorization yes\n');
    const port = await freeUdpPort();
    trapd = spawn('snmptrapd', ['-f', '-Lo', '-n', '-On', '-C', '-c', join(dir, 'snmptrapd.conf'), `udp:127.0.0.1:${port}`], {
      env: { ...process.env, MIBS: '', MIBDIRS: dir },
    });
    trapd.stdout!.on('data', (d) => { trapOutput += String(d); });
    trapd.stderr!.on('data', (d) => { trapOutput += String(d); });
    await waitFor(/NET-SNMP version/);
    agent = await startUpsSnmp(sim, 'ups-1', {
      host: '127.0.0.1', port: 0, community: 'public',
      trapReceivers: [{ host: '127.0.0.1', port }],
      trapMinIntervalMs: 400,
      onTrapSent: (s) => sent.push(s),
    });
  });
  afterAll(async () => {
    await agent?.close();
    if (trapd?.pid) trapd.kill('SIGTERM');
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('upsTrapOnBattery on transfer to battery, then AlarmEntryAdded/Removed per the RFC, spaced by the rate limit', async (t) => {
    if (!trapd) return t.skip();
    let table = reconcileAlarmTable(EMPTY_ALARM_TABLE, new Set(['onBattery']), Date.now());
    sim.tick(onBatteryState(makeUpsState({ alarms: [...table.rows] }), 1));
    await waitFor(new RegExp(`OID: \\.${UPS_TRAPS.upsTrapOnBattery.oid.replaceAll('.', '\\.')}\\b`));
    // varbinds: upsEstimatedMinutesRemaining, upsSecondsOnBattery, upsConfigLowBattTime
    expect(trapOutput).toMatch(/\.1\.3\.6\.1\.2\.1\.33\.1\.2\.3\.0 = INTEGER: 17/);
    expect(trapOutput).toMatch(/\.1\.3\.6\.1\.2\.1\.33\.1\.2\.2\.0 = INTEGER: 1\b/);
    expect(trapOutput).toMatch(/\.1\.3\.6\.1\.2\.1\.33\.1\.9\.7\.0 = INTEGER: 5\b/);
    // no AlarmEntryAdded for upsAlarmOnBattery
    expect(trapOutput).not.toContain(`OID: .${UPS_TRAPS.upsTrapAlarmEntryAdded.oid}`);

    // lowBattery row added → AlarmEntryAdded with upsAlarmId.2 and upsAlarmDescr.2 = upsAlarmLowBattery
    table = reconcileAlarmTable(table, new Set(['onBattery', 'lowBattery']), Date.now());
    sim.tick(onBatteryState(makeUpsState({ alarms: [...table.rows], batteryStatus: 'low' }), 2));
    await waitFor(/\.1\.3\.6\.1\.2\.1\.33\.1\.6\.2\.1\.2\.2 = OID: \.1\.3\.6\.1\.2\.1\.33\.1\.6\.3\.3/);
    expect(trapOutput).toContain(`OID: .${UPS_TRAPS.upsTrapAlarmEntryAdded.oid}`);
    expect(trapOutput).toMatch(/\.1\.3\.6\.1\.2\.1\.33\.1\.6\.2\.1\.1\.2 = INTEGER: 2/);

    // utility back: both rows removed → two AlarmEntryRemoved (onBattery included), queued ≥ 400 ms apart
    table = reconcileAlarmTable(table, new Set(), Date.now());
    sim.tick(makeUpsState({ alarms: [...table.rows] }));
    await waitFor(new RegExp(`(OID: \\.${UPS_TRAPS.upsTrapAlarmEntryRemoved.oid.replaceAll('.', '\\.')}[\\s\\S]*){2}`));
    const removed = sent.filter((s) => s.trapOid === UPS_TRAPS.upsTrapAlarmEntryRemoved.oid);
    expect(removed.map((s) => s.varbinds[1].value).sort()).toEqual([wellKnownAlarmOid('onBattery'), wellKnownAlarmOid('lowBattery')].sort());
    for (let i = 1; i < sent.length; i++) expect(sent[i].atMs - sent[i - 1].atMs).toBeGreaterThanOrEqual(395);
  });

  it('re-sends upsTrapOnBattery every simulated minute while on battery', async (t) => {
    if (!trapd) return t.skip();
    const before = sent.filter((s) => s.trapOid === UPS_TRAPS.upsTrapOnBattery.oid).length;
    const settle = () => new Promise((r) => setTimeout(r, 600)); // let the 400 ms rate limit pass
    await settle();
    sim.tick(onBatteryState(makeUpsState(), 5), 1000);
    await settle();
    sim.tick(onBatteryState(makeUpsState(), 35), 30_000); // 30 s later: no re-send yet
    await settle();
    sim.tick(onBatteryState(makeUpsState(), 66), 31_000); // 61 s after the first: re-sent
    await settle();
    const onBattery = sent.filter((s) => s.trapOid === UPS_TRAPS.upsTrapOnBattery.oid);
    expect(onBattery.length - before).toBe(2);
    expect(onBattery.at(-1)!.varbinds.find((v) => v.oid === '1.3.6.1.2.1.33.1.2.2.0')?.value).toBe(66);
  });
});

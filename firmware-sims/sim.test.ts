import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { promisify } from 'node:util';
import * as snmp from 'net-snmp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIM_DEFAULTS, startSim, type SimHandle } from './index.ts';
import { scalarInstanceOid, tableCellOid, UPS_INPUT_TABLE, UPS_OUTPUT_TABLE } from './devices/ups/rfc1628.ts';

const OID = {
  sysDescr: '1.3.6.1.2.1.1.1.0',
  sysObjectID: '1.3.6.1.2.1.1.2.0',
  sysUpTime: '1.3.6.1.2.1.1.3.0',
  sysName: '1.3.6.1.2.1.1.5.0',
  manufacturer: '1.3.6.1.2.1.33.1.1.1.0',
  model: '1.3.6.1.2.1.33.1.1.2.0',
  upsSoftwareVersion: '1.3.6.1.2.1.33.1.1.3.0',
  agentSoftwareVersion: '1.3.6.1.2.1.33.1.1.4.0',
  identName: '1.3.6.1.2.1.33.1.1.5.0',
  attachedDevices: '1.3.6.1.2.1.33.1.1.6.0',
  batteryStatus: '1.3.6.1.2.1.33.1.2.1.0',
  secondsOnBattery: '1.3.6.1.2.1.33.1.2.2.0',
  minutesRemaining: '1.3.6.1.2.1.33.1.2.3.0',
  chargeRemaining: '1.3.6.1.2.1.33.1.2.4.0',
  batteryVoltage: '1.3.6.1.2.1.33.1.2.5.0',
  batteryCurrent: '1.3.6.1.2.1.33.1.2.6.0',
  batteryTemperature: '1.3.6.1.2.1.33.1.2.7.0',
  inputLineBads: '1.3.6.1.2.1.33.1.3.1.0',
  inputNumLines: '1.3.6.1.2.1.33.1.3.2.0',
  inputFrequency: '1.3.6.1.2.1.33.1.3.3.1.2.1',
  inputVoltage: '1.3.6.1.2.1.33.1.3.3.1.3.1',
  inputCurrent: '1.3.6.1.2.1.33.1.3.3.1.4.1',
  inputTruePower: '1.3.6.1.2.1.33.1.3.3.1.5.1',
  outputSource: '1.3.6.1.2.1.33.1.4.1.0',
  outputFrequency: '1.3.6.1.2.1.33.1.4.2.0',
  outputNumLines: '1.3.6.1.2.1.33.1.4.3.0',
  outputVoltage: '1.3.6.1.2.1.33.1.4.4.1.2.1',
  outputCurrent: '1.3.6.1.2.1.33.1.4.4.1.3.1',
  outputPower: '1.3.6.1.2.1.33.1.4.4.1.4.1',
  outputPercentLoad: '1.3.6.1.2.1.33.1.4.4.1.5.1',
} as const;

function snmpGet(port: number, oids: string[], community = 'public', timeout = 2000): Promise<snmp.Varbind[]> {
  const session = snmp.createSession('127.0.0.1', community, { port, version: snmp.Version2c, timeout, retries: 0 });
  return new Promise<snmp.Varbind[]>((resolve, reject) => {
    session.get(oids, (error, varbinds) => {
      session.close();
      if (error) reject(error);
      else resolve(varbinds ?? []);
    });
  });
}

async function getJson(url: string): Promise<{ status: number; body: any }> {
  const res = await fetch(url);
  return { status: res.status, body: await res.json() };
}

describe('simulated RFC 1628 UPS over SNMP v2c', () => {
  let sim: SimHandle;
  let port: number;

  beforeAll(async () => {
    // A long tick keeps values fixed for the whole suite, so SNMP and truth can be compared exactly.
    sim = await startSim({ controlPort: 0, snmpPort: 0, seed: 7, tickMs: 600_000 });
    port = sim.devices[0].port;
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it('declares one UPS device with its SNMP endpoint', () => {
    expect(sim.devices).toHaveLength(1);
    const [ups] = sim.devices;
    expect(ups).toMatchObject({ id: 'ups-1', kind: 'ups', protocol: 'snmp', host: '127.0.0.1', snmp: { version: '2c', community: 'public' }, profile: 'rfc1628-ups' });
    expect(ups.port).toBeGreaterThan(0);
    expect(sim.controlPort).toBeGreaterThan(0);
    expect(sim.controlUrl).toBe(`http://127.0.0.1:${sim.controlPort}`);
  });

  it('answers the system and identity groups with the right types', async () => {
    const vbs = await snmpGet(port, [OID.sysDescr, OID.sysObjectID, OID.sysUpTime, OID.sysName, OID.manufacturer, OID.model,
      OID.upsSoftwareVersion, OID.agentSoftwareVersion, OID.identName, OID.attachedDevices]);
    for (const vb of vbs) expect(snmp.isVarbindError(vb)).toBe(false);
    expect(vbs[0].type).toBe(snmp.ObjectType.OctetString);
    expect(String(vbs[0].value)).toContain('Kiban');
    expect(vbs[1].type).toBe(snmp.ObjectType.OID);
    expect(vbs[1].value).toBe('1.3.6.1.2.1.33');
    expect(vbs[2].type).toBe(snmp.ObjectType.TimeTicks);
    expect(vbs[3].value?.toString()).toBe('ups-1');
    expect(vbs[4].value?.toString()).toBe(sim.devices[0].vendor);
    expect(vbs[5].value?.toString()).toBe(sim.devices[0].model);
    expect(vbs[8].value?.toString()).toBe('ups-1');
    for (const vb of vbs.slice(4)) expect(vb.type).toBe(snmp.ObjectType.OctetString);
  });

  it('serves output power and percent load at the RFC 1628 OIDs, consistent with the rating', async () => {
    const [power, load, voltage, current, source] = await snmpGet(port, [OID.outputPower, OID.outputPercentLoad, OID.outputVoltage, OID.outputCurrent, OID.outputSource]);
    expect(power.type).toBe(snmp.ObjectType.Integer);
    const watts = power.value as number;
    expect(Number.isInteger(watts)).toBe(true);
    expect(watts).toBeGreaterThan(0.35 * SIM_DEFAULTS.ratedW);
    expect(watts).toBeLessThan(0.65 * SIM_DEFAULTS.ratedW);
    expect(load.value).toBe(Math.round((100 * watts) / SIM_DEFAULTS.ratedW));
    expect(voltage.value as number).toBeGreaterThanOrEqual(228);
    expect(voltage.value as number).toBeLessThanOrEqual(232);
    // current in 0.1 A: W / (V · pf) with pf in a plausible range
    const amps = (current.value as number) / 10;
    const pf = watts / ((voltage.value as number) * amps);
    expect(pf).toBeGreaterThan(0.9);
    expect(pf).toBeLessThanOrEqual(1);
    expect(source.value).toBe(3); // normal
  });

  it('draws more input power than it delivers, with a realistic efficiency', async () => {
    const [inPower, outPower, inVoltage, inFrequency, lineBads, numLines] = await snmpGet(port,
      [OID.inputTruePower, OID.outputPower, OID.inputVoltage, OID.inputFrequency, OID.inputLineBads, OID.inputNumLines]);
    const efficiency = (outPower.value as number) / (inPower.value as number);
    expect(efficiency).toBeGreaterThan(0.93);
    expect(efficiency).toBeLessThan(0.97);
    expect(Math.abs((inVoltage.value as number) - 230)).toBeLessThanOrEqual(3);
    expect(Math.abs((inFrequency.value as number) - 500)).toBeLessThanOrEqual(1);
    expect(lineBads.type).toBe(snmp.ObjectType.Counter32);
    expect(numLines.value).toBe(1);
  });

  it('answers the battery group', async () => {
    const vbs = await snmpGet(port, [OID.batteryStatus, OID.secondsOnBattery, OID.minutesRemaining, OID.chargeRemaining, OID.batteryVoltage, OID.batteryCurrent, OID.batteryTemperature]);
    const [status, seconds, minutes, charge, volts, , temperature] = vbs.map((v) => v.value as number);
    expect(status).toBe(2);
    expect(seconds).toBe(0);
    expect(minutes).toBeGreaterThan(5);
    expect(charge).toBe(100);
    expect(volts).toBe(2730);
    expect(temperature).toBeGreaterThan(15);
    expect(temperature).toBeLessThan(35);
  });

  it('returns noSuchInstance for a scalar read without .0 / a table column read with .0', async () => {
    const [badTable, badScalar] = await snmpGet(port, ['1.3.6.1.2.1.33.1.4.4.1.5.0', '1.3.6.1.2.1.33.1.4.1']);
    expect(snmp.isVarbindError(badTable)).toBe(true);
    expect(snmp.isVarbindError(badScalar)).toBe(true);
  });

  it('ignores requests with a wrong community', async () => {
    await expect(snmpGet(port, [OID.sysName], 'not-the-community', 300)).rejects.toThrow(/timed out/i);
  });

  it('control API: devices and truth agree with SNMP', async () => {
    const devices = await getJson(`${sim.controlUrl}/sim/v1/devices`);
    expect(devices.status).toBe(200);
    expect(devices.body.items).toEqual(sim.devices);

    const truth = await getJson(`${sim.controlUrl}/sim/v1/truth/ups-1`);
    expect(truth.status).toBe(200);
    expect(truth.body.device).toBe('ups-1');
    expect(Number.isNaN(Date.parse(truth.body.ts))).toBe(false);
    const v = truth.body.values;
    const vbs = await snmpGet(port, [OID.outputPower, OID.outputPercentLoad, OID.outputVoltage, OID.outputCurrent, OID.outputFrequency,
      OID.inputTruePower, OID.inputVoltage, OID.inputCurrent, OID.inputFrequency, OID.batteryVoltage, OID.minutesRemaining, OID.batteryTemperature]);
    const raw = vbs.map((vb) => vb.value as number);
    expect(v.outputPowerW).toBe(raw[0]);
    expect(v.outputPercentLoad).toBe(raw[1]);
    expect(v.outputVoltageV).toBe(raw[2]);
    expect(v.outputCurrentA).toBeCloseTo(raw[3] / 10, 9);
    expect(v.outputFrequencyHz).toBeCloseTo(raw[4] / 10, 9);
    expect(v.inputPowerW).toBe(raw[5]);
    expect(v.inputVoltageV).toBe(raw[6]);
    expect(v.inputCurrentA).toBeCloseTo(raw[7] / 10, 9);
    expect(v.inputFrequencyHz).toBeCloseTo(raw[8] / 10, 9);
    expect(v.batteryVoltageV).toBeCloseTo(raw[9] / 10, 9);
    expect(v.batteryMinutesRemaining).toBe(raw[10]);
    expect(v.batteryTemperatureC).toBe(raw[11]);
    expect(sim.truth('ups-1')?.values).toEqual(v);
  });

  it('control API: unknown device and unknown route give JSON 404s', async () => {
    const missing = await getJson(`${sim.controlUrl}/sim/v1/truth/no-such-ups`);
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('not_found');
    expect(missing.body.error.message).toContain('no-such-ups');
    expect(sim.truth('no-such-ups')).toBeUndefined();
    const route = await getJson(`${sim.controlUrl}/sim/v1/faults`);
    expect(route.status).toBe(404);
  });

  const snmpgetPath = '/usr/bin/snmpget';
  const haveSnmpget = existsSync(snmpgetPath);
  if (!haveSnmpget && process.env.CI === 'true') {
    it('needs the Debian snmpget binary in CI (apt-get install snmp)', () => {
      expect.fail(`${snmpgetPath} is missing; install the 'snmp' package`);
    });
  }
  it.skipIf(!haveSnmpget)('net-snmp snmpget reads the same percent load as the truth', async () => {
    const { stdout } = await promisify(execFile)(snmpgetPath, ['-v2c', '-c', 'public', '-Oqv', `127.0.0.1:${port}`, OID.outputPercentLoad]);
    expect(Number(stdout.trim())).toBe(sim.truth('ups-1')!.values.outputPercentLoad);
  });
});

describe('physics ticks', () => {
  it('holds values between ticks and moves them on the next tick', async () => {
    const sim = await startSim({ seed: 3, tickMs: 40 });
    try {
      const port = sim.devices[0].port;
      const seen = new Set<number>();
      const deadline = Date.now() + 3000;
      while (seen.size < 3 && Date.now() < deadline) {
        const [vb] = await snmpGet(port, [OID.outputPower]);
        seen.add(vb.value as number);
        await new Promise((r) => setTimeout(r, 45));
      }
      expect(seen.size).toBeGreaterThanOrEqual(3);
    } finally {
      await sim.stop();
    }
  });

  it('is reproducible: the same seed and clock give the same values', async () => {
    const clock = () => Date.parse('2026-11-22T15:00:00Z');
    const a = await startSim({ seed: 11, clock });
    const b = await startSim({ seed: 11, clock });
    const c = await startSim({ seed: 12, clock });
    try {
      expect(a.truth('ups-1')!.values).toEqual(b.truth('ups-1')!.values);
      expect(a.truth('ups-1')!.values).not.toEqual(c.truth('ups-1')!.values);
      // mid-afternoon is the daily peak: load near 60 %
      expect(a.truth('ups-1')!.values.outputPercentLoad).toBeGreaterThanOrEqual(58);
    } finally {
      await Promise.all([a.stop(), b.stop(), c.stop()]);
    }
  });

  it('exposes helper OIDs matching the RFC numbering', () => {
    expect(scalarInstanceOid('upsOutputSource')).toBe(OID.outputSource);
    expect(tableCellOid(UPS_OUTPUT_TABLE, 'upsOutputPercentLoad')).toBe(OID.outputPercentLoad);
    expect(tableCellOid(UPS_INPUT_TABLE, 'upsInputTruePower')).toBe(OID.inputTruePower);
  });
});

describe('ports', () => {
  it('refuses a UDP port that is taken, naming the port', async () => {
    const first = await startSim();
    try {
      await expect(startSim({ snmpPort: first.devices[0].port })).rejects.toMatchObject({ name: 'PortInUseError', port: first.devices[0].port, transport: 'udp' });
      await expect(startSim({ controlPort: first.controlPort })).rejects.toMatchObject({ name: 'PortInUseError', port: first.controlPort, transport: 'tcp' });
    } finally {
      await first.stop();
    }
  });
});

describe('kiban sim CLI', () => {
  const runCli = (args: string[], env: Record<string, string> = {}) => spawn(process.execPath,
    ['--import', 'tsx', '-e', `import('./firmware-sims/cli.ts').then((m) => m.runSimCli(${JSON.stringify(args)}))`],
    { cwd: new URL('..', import.meta.url).pathname, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });

  function collect(child: ReturnType<typeof runCli>) {
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => { stdout += d; });
    child.stderr!.on('data', (d) => { stderr += d; });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    return { out: () => stdout, err: () => stderr, exited };
  }

  it('prints help', async () => {
    const run = collect(runCli(['--help']));
    expect(await run.exited).toBe(0);
    expect(run.out()).toContain('Usage: kiban sim');
    expect(run.out()).toContain('SIM_PORT');
  });

  it('fails with one line naming a taken control port, exit code 1', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const takenPort = (blocker.address() as { port: number }).port;
    try {
      const run = collect(runCli(['--snmp-port', '0'], { SIM_PORT: String(takenPort) }));
      expect(await run.exited).toBe(1);
      expect(run.err().trim()).toBe(`kiban sim: port ${takenPort} is already in use (set SIM_PORT or --port)`);
    } finally {
      blocker.close();
    }
  });

  it('starts, prints endpoints, and stops cleanly on SIGTERM', async () => {
    const child = runCli(['--port', '0', '--snmp-port', '0']);
    const run = collect(child);
    const deadline = Date.now() + 15_000;
    while (!run.out().includes('Press Ctrl+C') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(run.out()).toMatch(/control API http:\/\/127\.0\.0\.1:\d+\/sim\/v1/);
    expect(run.out()).toMatch(/ups-1\s+ups snmp v2c 127\.0\.0\.1:\d+/);
    child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(run.out()).toContain('kiban sim: stopped');
  });
});

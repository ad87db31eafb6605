/**
 * `kiban collector check` and `probe`: what a person writing a profile at a site sees, against real
 * simulated devices on loopback.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSim, type SimHandle } from '../firmware-sims/index.ts';
import { runProfileTool } from './profile-tools.ts';

async function run(argv: string[]) {
  let out = '';
  let err = '';
  const code = await runProfileTool(argv, { write: (s: string) => { out += s; } }, { write: (s: string) => { err += s; } });
  return { code, out, err };
}

describe('kiban collector check', () => {
  it('lists the points and the Modbus read plan of a shipped profile', async () => {
    const r = await run(['check', 'liebert-icom']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/read plan: \d+ request\(s\)/);
    expect(r.out).toMatch(/profile OK/);
  });

  it('names file, line and field of a typo', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kiban-profile-'));
    const file = join(dir, 'my-meter.yaml');
    await writeFile(file, 'model: My meter\nprotocol: modbus\nkind: meter\npoints:\n  - metric: voltage\n    table: holding\n    address: 0\n    type: u16\n    unit: V\n    kind: guage\n');
    const r = await run(['check', file]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${file}:10: points[0].kind`);
  });
});

describe('kiban collector probe against the simulator', () => {
  let sim: SimHandle;
  beforeAll(async () => { sim = await startSim({ controlPort: 0, tickMs: 600_000 }); });
  afterAll(async () => { await sim?.stop(); });

  it('reads a Modbus meter once and prints each value with its quality', async () => {
    const meter = sim.devices.find((d) => d.protocol === 'modbus' && d.profile === 'kiban-energy-meter')!;
    const r = await run(['probe', '--profile', 'kiban-energy-meter', '--host', meter.host, '--port', String(meter.port), '--unit-id', String(meter.modbus?.unitId ?? 1), ...(meter.modbus?.wordOrder ? ['--word-order', meter.modbus.wordOrder] : [])]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const voltage = /^voltage\s+([\d.]+)\s+V\s+ok$/m.exec(r.out);
    expect(voltage, r.out).not.toBeNull();
    expect(Number(voltage![1])).toBeGreaterThan(100);
    expect(r.out).toMatch(/all ok/);
  });

  it('reads a UPS over SNMP with state labels', async () => {
    const ups = sim.devices.find((d) => d.protocol === 'snmp' && d.profile === 'rfc1628-ups')!;
    const r = await run(['probe', '--profile', 'rfc1628-ups', '--host', ups.host, '--port', String(ups.port), '--community', ups.snmp?.community ?? 'public']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^battery\.status\s+2 \(batteryNormal\)\s+ok$/m);
  });

  it("docs/collector.md's worked example profile checks with two requests and reads the simulated utility meter", async () => {
    const doc = await readFile(new URL('../docs/collector.md', import.meta.url), 'utf8');
    const section = doc.slice(doc.indexOf('### Worked example'));
    const yaml = /```yaml\n([\s\S]*?)```/.exec(section)![1];
    const dir = await mkdtemp(join(tmpdir(), 'kiban-doc-profile-'));
    const file = join(dir, 'acme-em300.yaml');
    await writeFile(file, yaml);
    const check = await run(['check', file]);
    expect(check.code, check.err).toBe(0);
    expect(check.out).toContain('read plan: 2 request(s)');
    expect(section).toContain('**two** requests (holding 0..5 and 8..9)');
    const meter = sim.devices.find((d) => d.id === 'meter-utility')!;
    const probe = await run(['probe', '--profile', file, '--host', meter.host, '--port', String(meter.port)]);
    expect(probe.code, probe.err).toBe(0);
    expect(probe.out).toMatch(/^voltage\s+400(\.\d+)?\s+V\s+ok$/m);
    expect(probe.out).toMatch(/5 point\(s\) in \d+ ms; all ok/);
  });

  it('a port where nothing answers: every point comm_loss, exit code 1', async () => {
    const server = createServer();
    await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
    const port = (server.address() as { port: number }).port;
    await new Promise<void>((res) => server.close(() => res()));
    const r = await run(['probe', '--profile', 'kiban-energy-meter', '--host', '127.0.0.1', '--port', String(port), '--timeout-ms', '300']);
    expect(r.code).toBe(1);
    expect(`${r.out}${r.err}`).toMatch(/comm_loss|did not answer/);
  });

  it('refuses bad arguments with a clear message', async () => {
    expect((await run(['probe', '--profile', 'kiban-energy-meter', '--host', '127.0.0.1', '--port', '70000'])).err).toMatch(/--port N \(1-65535\)/);
    expect((await run(['probe', '--profile', 'kiban-energy-meter', '--host', 'h', '--port', '502', '--word-order', 'XYZW'])).err).toMatch(/--word-order must be one of ABCD/);
    expect((await run(['probe', '--profile', 'kiban-rack-env-json', '--host', 'h', '--port', '1'])).err).toMatch(/MQTT profile/);
  });
});

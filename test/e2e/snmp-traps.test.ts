/**
 * Issue 4 end to end, without collector/index.ts: the simulated UPS sends its notifications (a v2c trap,
 * a v2c inform and a v3 authPriv trap, one receiver entry each) to the collector's trap receiver; a
 * utility failure injected through the simulator's control API must become `ups.on_battery` within 2 s,
 * and — through the outbox and the uplink — an event in the server's database, shown by GET /api/v1/events.
 */
import { mkdtemp } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTrapReceiver, type TrapReceiverHandle } from '../../collector/drivers/snmp/trap-receiver.ts';
import { Outbox } from '../../collector/outbox.ts';
import { loadProfile } from '../../collector/profile.ts';
import { Uplink } from '../../collector/uplink.ts';
import { startSim, SIM_DEFAULTS, type SimHandle } from '../../firmware-sims/index.ts';
import { clearFault, injectFault } from '../../firmware-sims/test-support/clients.ts';
import type { DeviceDecl, IngestEvent, PointDecl, Sample } from '../../server/contracts/ingest.ts';
import { silentLogger } from '../../server/lib/logger.ts';
import { createTestApp, type TestApp } from '../support/app.ts';

interface Seen { at: number; event: IngestEvent; samples: Sample[] }
const seen: Seen[] = [];
let rx: TrapReceiverHandle;
let sim: SimHandle;
let t: TestApp;
let http: ServerType;
let outbox: Outbox;
let uplink: Uplink;

beforeAll(async () => {
  t = await createTestApp();
  http = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: t.app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s));
  });
  const serverUrl = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  outbox = await Outbox.open({ dir: await mkdtemp(join(tmpdir(), 'kiban-traps-')), collector: 'collector-1', onSealed: () => uplink?.notify() });
  uplink = new Uplink({ serverUrl, token: t.tokens.collector, outbox, logger: silentLogger(), idlePollMs: 200 });
  uplink.start();

  // The collector's view of ups-a1, as index.ts prepares it: device and point declarations from the profile.
  const profile = await loadProfile('rfc1628-ups');
  const device: DeviceDecl = { name: 'ups-a1', kind: 'ups', protocol: 'snmp', profile: profile.name };
  const points: PointDecl[] = profile.points.map((p) => ({
    key: `ups-a1/${p.metric}`, device: 'ups-a1', metric: p.metric, unit: p.unit, kind: p.kind, ...(p.states ? { states: p.states } : {}),
  }));
  rx = await startTrapReceiver({
    bind: '127.0.0.1', port: 0, v3Users: [SIM_DEFAULTS.v3User],
    targets: () => [{ device: 'ups-a1', host: '127.0.0.1', profile, community: SIM_DEFAULTS.community }],
    logger: silentLogger(),
    onEvent: (_device, events, samples) => {
      for (const event of events) seen.push({ at: Date.now(), event, samples });
      void outbox.appendEvents([device], events, points, samples);
    },
  });
  sim = await startSim({
    controlPort: 0, tickMs: 250,
    trapReceivers: [
      { host: '127.0.0.1', port: rx.port },
      { host: '127.0.0.1', port: rx.port, notify: 'inform' },
      { host: '127.0.0.1', port: rx.port, version: '3' },
    ],
  });
});
afterAll(async () => {
  await sim?.stop();
  await rx?.stop();
  await uplink?.stop();
  await outbox?.close();
  await new Promise((r) => http?.close(r));
  await t?.close();
});

async function until<T>(get: () => T | undefined | Promise<T | undefined>, ms: number, what: string): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await get();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('UPS utility failure → events at once', () => {
  it('v2c trap, v2c inform and v3 trap each give ups.on_battery within 2 s, with output.source = battery; stored on the server', async () => {
    const injectedAt = Date.now();
    const faultId = await injectFault(sim, 'utility_failure', 'ups-a1');
    const onBattery = (pred: (s: Seen) => boolean) => () => seen.find((s) => s.event.name === 'ups.on_battery' && pred(s));
    const trap = await until(onBattery((s) => s.event.source === 'snmp-trap' && s.event.attributes?.snmpVersion === 'v2c'), 2000, 'v2c trap');
    const inform = await until(onBattery((s) => s.event.source === 'snmp-inform'), 2000, 'v2c inform');
    const v3 = await until(onBattery((s) => s.event.attributes?.snmpVersion === 'v3'), 2000, 'v3 trap');
    for (const s of [trap, inform, v3]) {
      expect(s.at - injectedAt).toBeLessThan(2000);
      expect(s.event).toMatchObject({ device: 'ups-a1', severity: 'major', attributes: { trapOid: '1.3.6.1.2.1.33.2.1', agent: '127.0.0.1' } });
      expect(s.event.message).toMatch(/^ups-a1 on battery: \d+ min remaining, \d+ s on battery$/);
      expect(s.samples.find((x) => x.point === 'ups-a1/output.source')?.value).toBe(5);
    }
    expect(v3.event.attributes?.securityName).toBe(SIM_DEFAULTS.v3User.user);

    // Through the outbox and the uplink into the server: GET /api/v1/events shows all three.
    const stored = await until(async () => {
      const body = await (await t.call('/api/v1/events?device=ups-a1&severity=major', { token: t.tokens.viewer })).json();
      return body.items.length >= 3 ? body.items : undefined;
    }, 5000, 'events on the server');
    expect(new Set(stored.map((e: any) => e.source))).toEqual(new Set(['snmp-trap', 'snmp-inform']));
    const latest = await (await t.call('/api/v1/latest?points=ups-a1/output.source', { token: t.tokens.viewer })).json();
    expect(latest.items[0]).toMatchObject({ point: 'ups-a1/output.source', value: 5 });

    // Back on mains: upsTrapAlarmEntryRemoved(onBattery) → ups.alarm.cleared, output.source = normal(3). The
    // agent spaces notifications 5 s apart per receiver (RFC 1628), so this one comes a few seconds later.
    await clearFault(sim, faultId);
    const cleared = await until(() => seen.find((s) => s.event.name === 'ups.alarm.cleared' && s.event.attributes?.alarm === 'onBattery'), 15_000, 'ups.alarm.cleared');
    expect(cleared.event.severity).toBe('cleared');
    expect(cleared.samples.find((x) => x.point === 'ups-a1/output.source')?.value).toBe(3);
    expect(rx.stats()).toMatchObject({ unknownSenders: 0, rejected: 0, malformed: 0 });
  });
});

/**
 * Configuration audit end to end: the demo stack (simulated site → collector → server), its CMDB written by
 * the demo through the import path. On the clean site the audit finds nothing; after reality drifts in the
 * simulator (a UPS swapped for a unit with another serial, a spare outlet drawing power, a documented server
 * switched off) it finds exactly those three, and nothing once the drift is cleared.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rackServerLayout } from '../../firmware-sims/site/rack-layout.ts';
import { clearFault, injectFault } from '../../firmware-sims/test-support/clients.ts';
import { api, startStack, waitFor, type Stack } from '../support/stack.ts';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ pollIntervalMs: 1000, identityIntervalMs: 1000, simTickMs: 1000 });
}, 60_000);
afterAll(async () => { await stack?.stop(); });

interface Discrepancy { kind: string; severity: string; ci?: string; device?: string; documented?: unknown; discovered?: unknown; message: string }
const audit = async (): Promise<Discrepancy[]> => (await (await api(stack, '/api/v1/cmdb/audit')).json()).items;

describe('configuration audit', () => {
  it('a clean site: every device reported its identity and outlets, and the audit finds nothing', async () => {
    const simDevices = (await (await fetch(`${stack.demo.sim.controlUrl}/sim/v1/devices`)).json()).items as Array<{ id: string; kind: string; protocol: string }>;
    // Wait until every device reports and every PDU and UPS card has told us who it is.
    await waitFor(async () => {
      const devices = (await (await api(stack, '/api/v1/devices')).json()).items as Array<{ name: string; identity: Record<string, unknown> | null }>;
      const byName = new Map(devices.map((d) => [d.name, d]));
      return simDevices.every((d) => byName.has(d.id) && (!(d.kind === 'pdu' || (d.kind === 'ups' && d.protocol === 'modbus')) || byName.get(d.id)!.identity));
    }, 45_000);
    const items = await waitFor(async () => { const a = await audit(); return a.length === 0 ? a : undefined; }, 30_000).catch(async () => audit());
    expect(items).toEqual([]);
  }, 90_000);

  it('finds a swapped UPS serial, an undocumented load on a spare outlet and a documented server drawing nothing — and only those', async () => {
    const spec = stack.demo.sim.spec;
    const ups = spec.ups[0].id;
    const loadRack = spec.racks[1];
    const loadPdu = `${loadRack.id}-pdu-a`;
    const spare = rackServerLayout(loadRack).spareOutlets[0];
    const idleRack = spec.racks[spec.racks.length - 1];
    const idleServer = rackServerLayout(idleRack).servers[0].name;
    const faults = [
      await injectFault(stack.demo.sim, 'identity_changed', ups, { serial: 'KS99SWAPPED1' }),
      await injectFault(stack.demo.sim, 'undocumented_load', loadPdu, { outlet: spare, watts: 180 }),
      await injectFault(stack.demo.sim, 'outlet_off', idleRack.id, { server: idleServer }),
    ];
    try {
      const found = await waitFor(async () => {
        const a = await audit();
        const has = (kind: string, pred: (d: Discrepancy) => boolean) => a.some((d) => d.kind === kind && pred(d));
        return has('serial_mismatch', (d) => d.ci === ups && d.discovered === 'KS99SWAPPED1')
          && has('undocumented_load', (d) => d.ci === loadPdu && d.message.includes(`outlet ${spare}`))
          && has('documented_idle', (d) => d.ci === idleServer) ? a : undefined;
      }, 45_000, 500);
      expect(found.map((d) => d.kind).sort()).toEqual(['documented_idle', 'serial_mismatch', 'undocumented_load']);
      const serial = found.find((d) => d.kind === 'serial_mismatch')!;
      expect(serial).toMatchObject({ severity: 'high', documented: expect.stringMatching(/^KS24/) });
    } finally {
      for (const id of faults) await clearFault(stack.demo.sim, id);
    }
    // Reality back in line with the documentation: the audit is empty again.
    await waitFor(async () => ((await audit()).length === 0 ? true : undefined), 45_000, 500);
  }, 120_000);

  it('only signed-in people may see the audit', async () => {
    expect((await fetch(`${stack.baseUrl}/api/v1/cmdb/audit`)).status).toBe(401);
  });
});

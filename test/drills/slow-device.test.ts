/**
 * Acceptance (scheduler): with one simulated device answering only after 20 s and another not at all,
 * every other device on the same collector is still polled on time — measured from the sample timestamps
 * the collector shipped — and the slow and the dead device produce comm_loss samples every interval
 * instead of gaps. Real simulator (startSim), real collector (startCollector), real HTTP ingest endpoint.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCollector, targetsFromSim, type CollectorHandle, type TargetConfig } from '../../collector/index.ts';
import type { Logger } from '../../collector/logger.ts';
import { startIngestServer, type IngestServer } from '../../collector/test-support/ingest-server.ts';
import { startSim, type SimHandle } from '../../firmware-sims/index.ts';
import type { IngestBatch, Sample } from '../../server/contracts/ingest.ts';

const INTERVAL_MS = 1000;
/**
 * "On time", robust to a CPU-starved shared test machine (the simulator answers from the same event loop):
 * no poll slot is ever missed (neighbouring samples less than 1.75 intervals apart), and at least 90 % of
 * the spacings are within ±300 ms of the interval (jitter is ±2 %). A device held up by the slow or the
 * dead one would miss slots outright: their polls last 1 s (the deadline) and 20 s.
 */
const SPACING_TOLERANCE_MS = 300;
const ON_TIME_SHARE = 0.9;
const MAX_GAP_MS = 1.75 * INTERVAL_MS;
/** Polls of an answering device that may still record comm_loss when the machine is overloaded. */
const MAX_HEALTHY_LOSS_SHARE = 0.1;
const SLOW_DEVICE = 'meter-utility'; // Modbus, answers after 20 s
const DEAD_DEVICE = 'r1-a03-pdu-b'; // SNMP, never answers (a UPS would take its Modbus card down too)
const WATCH_MS = 26_000; // longer than the slow device's 20 s delay

async function injectFault(sim: SimHandle, fault: { kind: string; target: string; params?: object }): Promise<void> {
  const response = await fetch(`${sim.controlUrl}/sim/v1/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(fault) });
  if (response.status !== 201) throw new Error(`simulator refused fault ${JSON.stringify(fault)}: HTTP ${response.status} ${await response.text()}`);
}

describe('drill: a slow and a dead device do not delay the others', () => {
  let sim: SimHandle | undefined;
  let server: IngestServer | undefined;
  let collector: CollectorHandle | undefined;
  const logs: Array<{ msg?: string; obj: Record<string, unknown> }> = [];

  beforeAll(async () => {
    sim = await startSim({ racks: 8, seed: 7, tickMs: 1000 });
    server = await startIngestServer((req) => ({ status: 200, body: { batchId: req.body.batchId, accepted: req.body.samples.length, inserted: req.body.samples.length, duplicate: false } }));
  });
  afterAll(async () => {
    await collector?.stop().catch(() => undefined);
    await sim?.stop();
    await server?.close();
  });

  it('keeps every other device on its 1 s cadence and records comm_loss every interval for the slow and the dead one', async () => {
    const targets: TargetConfig[] = (await targetsFromSim(sim!.controlUrl, { mqtt: false })).map((t) => ({ ...t, intervalMs: INTERVAL_MS }));
    expect(targets.map((t) => t.device)).toEqual(expect.arrayContaining([SLOW_DEVICE, DEAD_DEVICE]));
    expect(targets.length).toBeGreaterThanOrEqual(20);
    const record = (obj: object, msg?: string) => { logs.push({ obj: obj as Record<string, unknown>, msg }); };
    const logger: Logger = { info: record, warn: record, error: record };
    collector = await startCollector({
      name: 'edge-drill', serverUrl: server!.url, token: 'kbn_drill_token', outboxDir: await mkdtemp(join(tmpdir(), 'kiban-drill-slow-')),
      targets, flushIntervalMs: 500, logger,
    });
    await new Promise((r) => setTimeout(r, 3000)); // every target polled a few times
    await injectFault(sim!, { kind: 'device_slow', target: SLOW_DEVICE, params: { delayMs: 20_000 } });
    await injectFault(sim!, { kind: 'device_silent', target: DEAD_DEVICE });
    const faultAt = Date.now();
    await new Promise((r) => setTimeout(r, WATCH_MS));
    await collector.stop();
    collector = undefined;

    // The window: from when the faults surely took effect to a little before the stop.
    const from = faultAt + 1500;
    const to = faultAt + WATCH_MS - 1500;
    // The collector's own per-target figures (collector.poll.latency …) are not poll results.
    const samples = server!.requests.flatMap((r) => (r.body as IngestBatch).samples).filter((s) => !s.point.includes('/collector.'));
    const byDevice = new Map<string, Sample[]>();
    for (const s of samples) {
      const device = s.point.split('/')[0];
      if (!byDevice.has(device)) byDevice.set(device, []);
      byDevice.get(device)!.push(s);
    }
    const problems: string[] = [];
    for (const target of targets) {
      const all = byDevice.get(target.device) ?? [];
      // One poll = one timestamp for all points of the device.
      const polls = [...new Set(all.map((s) => Date.parse(s.ts)))].sort((a, b) => a - b);
      // …and every point of the device (SNMP table rows included) has a sample at each of them.
      const inWindowPolls = new Set(polls.filter((t) => t >= from && t <= to));
      const perPoint = new Map<string, number>();
      for (const s of all) if (inWindowPolls.has(Date.parse(s.ts))) perPoint.set(s.point, (perPoint.get(s.point) ?? 0) + 1);
      for (const [point, n] of perPoint) {
        if (n !== inWindowPolls.size) problems.push(`${point}: ${n} samples at the device's ${inWindowPolls.size} poll times (a point left out of a poll is a gap)`);
      }
      const inWindow = polls.filter((t) => t >= from && t <= to);
      const expected = Math.floor((to - from) / INTERVAL_MS);
      if (inWindow.length < expected - 1 || inWindow.length > expected + 1) {
        problems.push(`${target.device}: ${inWindow.length} polls in the ${to - from} ms window, expected ${expected} ± 1`);
      }
      // Spacing, including the polls just outside the window so a gap at either edge is caught.
      const around = polls.filter((t) => t >= from - MAX_GAP_MS && t <= to + MAX_GAP_MS);
      let onTime = 0;
      for (let i = 1; i < around.length; i++) {
        const gap = around[i] - around[i - 1];
        if (Math.abs(gap - INTERVAL_MS) <= SPACING_TOLERANCE_MS) onTime++;
        if (gap >= MAX_GAP_MS) {
          problems.push(`${target.device}: samples at ${new Date(around[i - 1]).toISOString()} and ${new Date(around[i]).toISOString()} are ${gap} ms apart: a poll slot (${INTERVAL_MS} ms) was missed`);
        }
      }
      if (onTime < ON_TIME_SHARE * (around.length - 1)) {
        problems.push(`${target.device}: only ${onTime} of ${around.length - 1} sample spacings within ${INTERVAL_MS} ± ${SPACING_TOLERANCE_MS} ms`);
      }
      const windowSamples = all.filter((s) => Date.parse(s.ts) >= from && Date.parse(s.ts) <= to);
      if (target.device === SLOW_DEVICE || target.device === DEAD_DEVICE) {
        const notLost = windowSamples.filter((s) => s.quality !== 'comm_loss');
        if (notLost.length > 0) problems.push(`${target.device}: ${notLost.length} samples not comm_loss during its fault, e.g. ${JSON.stringify(notLost[0])}`);
      } else {
        // On time *and* answered: at most one poll of a healthy device may miss (a loaded test machine).
        const badPolls = new Set(windowSamples.filter((s) => s.quality === 'comm_loss').map((s) => s.ts));
        if (badPolls.size > Math.max(1, MAX_HEALTHY_LOSS_SHARE * inWindow.length)) problems.push(`${target.device}: ${badPolls.size} of ${inWindow.length} polls recorded comm_loss although the device answers`);
      }
    }
    expect(problems).toEqual([]);
    // The dead and the slow device went into backoff (network tried less often) but were never silent.
    const backedOff = new Set(logs.filter((l) => /polling it less often/.test(l.msg ?? '')).map((l) => l.obj.device));
    // (A healthy device that a CPU-starved machine made miss three polls in a row may back off too; its
    // losses are bounded above.)
    expect([...backedOff].filter((d) => d === SLOW_DEVICE || d === DEAD_DEVICE).sort(), `backed off: ${[...backedOff].join(', ')}`).toEqual([DEAD_DEVICE, SLOW_DEVICE].sort());
  });
});

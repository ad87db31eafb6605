/**
 * Kiban edge collector: polls devices according to their profiles, stores samples durably in a local
 * outbox and ships them to the server's ingest API.
 */
import { existsSync } from 'node:fs';
import { z } from 'zod';
import { DEVICE_KINDS, type DeviceDecl, type PointDecl, type Sample } from '../server/contracts/ingest.ts';
import { ModbusDriver } from './drivers/modbus/modbus-driver.ts';
import { WORD_ORDERS } from './drivers/modbus/profile-schema.ts';
import { mqttSubscriptionsFor, mqttTargetSchema, type MqttTargetConfig } from './drivers/mqtt/collector-glue.ts';
import { snmpV3UserSchema } from './drivers/snmp/profile-schema.ts';
import { SnmpDriver } from './drivers/snmp/snmp-driver.ts';
import { tableRowSamples } from './drivers/snmp/table-points.ts';
import { allPoints, type Driver, type PollTarget, type RawReading, type DeviceAddress } from './drivers/types.ts';
import { jsonStderrLogger, type Logger } from './logger.ts';
import { Outbox } from './outbox.ts';
import { loadProfile, resolveProfilePath, type Profile } from './profile.ts';
import { PollScheduler } from './scheduler.ts';
import { Uplink } from './uplink.ts';

export type { Logger } from './logger.ts';
export { ProfileError, loadProfile } from './profile.ts';

export interface TargetConfig extends DeviceAddress {
  /** Device name, unique per collector; becomes the first half of every point key. */
  device: string;
  kind: 'ups' | 'pdu' | 'crac' | 'sensor' | 'meter' | 'other';
  /** Profile name in collector/profiles (e.g. `rfc1628-ups`) or a path to a YAML file. */
  profile: string;
  /** MQTT (profile with protocol mqtt): broker URL (default mqtt://host:port), the device's data topic or a filter. */
  mqtt?: MqttTargetConfig;
  intervalMs?: number;
  vendor?: string;
  model?: string;
}

export interface CollectorConfig {
  name: string;
  serverUrl: string;
  token: string;
  outboxDir: string;
  targets: TargetConfig[];
  flushIntervalMs?: number;
  logger?: Logger;
}

export interface CollectorStats {
  polls: number;
  samples: number;
  batchesSent: number;
  batchesPending: number;
  batchesRejected: number;
}

export interface CollectorHandle {
  stop(): Promise<void>;
  stats(): CollectorStats;
}

export const DEFAULT_INTERVAL_MS = 5000;
const FINAL_SEND_BUDGET_MS = 5000;

const deviceName = z.string().min(1).max(128).regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'letters, digits and . _ : - only');

export const targetConfigSchema = z.strictObject({
  device: deviceName,
  kind: z.enum(DEVICE_KINDS),
  profile: z.string().min(1),
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535),
  community: z.string().min(1).optional(),
  v3: snmpV3UserSchema.strict().optional(),
  unitId: z.number().int().min(0).max(255).optional(),
  wordOrder: z.enum(WORD_ORDERS).optional(),
  transport: z.enum(['tcp', 'rtu-over-tcp']).optional(),
  mqtt: mqttTargetSchema.optional(),
  intervalMs: z.number().int().min(100).optional(),
  vendor: z.string().max(128).optional(),
  model: z.string().max(128).optional(),
});

const collectorConfigSchema = z.object({
  name: deviceName,
  serverUrl: z.url({ protocol: /^https?$/ }),
  token: z.string().min(1, 'a token is required'),
  outboxDir: z.string().min(1),
  targets: z.array(targetConfigSchema).superRefine((targets, ctx) => {
    const seen = new Set<string>();
    targets.forEach((t, i) => {
      if (seen.has(t.device)) ctx.addIssue({ code: 'custom', path: [i, 'device'], message: `duplicate device '${t.device}'` });
      seen.add(t.device);
    });
  }),
  flushIntervalMs: z.number().int().min(1).optional(),
});

export class CollectorConfigError extends Error {
  override name = 'CollectorConfigError';
}

function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

interface PreparedTarget {
  target: TargetConfig;
  profile: Profile;
  pollTarget: PollTarget;
  intervalMs: number;
  device: DeviceDecl;
  points: PointDecl[];
}

async function prepareTarget(target: TargetConfig): Promise<PreparedTarget> {
  const profile = await loadProfile(target.profile);
  const intervalMs = target.intervalMs ?? DEFAULT_INTERVAL_MS;
  const retries = 1;
  // Both tries must fit inside the interval, which is also the poll's deadline.
  const timeoutMs = Math.min(2000, Math.max(100, Math.floor((intervalMs * 0.8) / (retries + 1))));
  const device: DeviceDecl = {
    name: target.device,
    kind: target.kind,
    protocol: profile.protocol,
    address: hostPort(target.host, target.port),
    ...(target.vendor ?? profile.vendor ? { vendor: target.vendor ?? profile.vendor } : {}),
    ...(target.model ? { model: target.model } : {}),
    profile: profile.name,
  };
  const points: PointDecl[] = profile.points.map((p) => ({
    key: `${target.device}/${p.metric}`,
    device: target.device,
    metric: p.metric,
    unit: p.unit,
    kind: p.kind,
    ...(p.role ? { role: p.role } : {}),
    ...(p.description ? { description: p.description } : {}),
    ...(p.states ? { states: p.states } : {}),
  }));
  return {
    target,
    profile,
    intervalMs,
    device,
    points,
    pollTarget: {
      device: target.device, host: target.host, port: target.port, timeoutMs, retries,
      ...(profile.protocol === 'snmp' ? { community: target.community ?? 'public' } : {}),
      ...(profile.protocol === 'snmp' && target.v3 ? { v3: target.v3 } : {}),
      ...(target.unitId !== undefined ? { unitId: target.unitId } : {}),
      ...(target.wordOrder ? { wordOrder: target.wordOrder } : {}),
      ...(target.transport ? { transport: target.transport } : {}),
    },
  };
}

export async function startCollector(cfg: CollectorConfig): Promise<CollectorHandle> {
  const logger = cfg.logger ?? jsonStderrLogger;
  const parsed = collectorConfigSchema.safeParse({ ...cfg, logger: undefined });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CollectorConfigError(`invalid collector config: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  const prepared = await Promise.all(cfg.targets.map(prepareTarget));

  const drivers = new Map<string, Driver>();
  const driverFor = (protocol: string): Driver => {
    let driver = drivers.get(protocol);
    if (!driver) {
      if (protocol === 'snmp') driver = new SnmpDriver({ logger });
      else if (protocol === 'modbus') driver = new ModbusDriver({ logger });
      else throw new CollectorConfigError(`no driver for protocol '${protocol}' yet`);
      drivers.set(protocol, driver);
    }
    return driver;
  };
  const polled = prepared.filter((p) => p.profile.protocol !== 'mqtt');
  for (const p of polled) driverFor(p.profile.protocol);
  const subscribers = mqttSubscriptionsFor(cfg.name, prepared, logger, (device, points, samples) => {
    if (stopping) return;
    counters.samples += samples.length;
    outbox.append([device], points, samples);
  });

  let uplink: Uplink | undefined;
  const outbox = await Outbox.open({
    dir: cfg.outboxDir,
    collector: cfg.name,
    flushIntervalMs: cfg.flushIntervalMs,
    logger,
    onSealed: () => uplink?.notify(),
  });
  uplink = new Uplink({ serverUrl: cfg.serverUrl, token: cfg.token, outbox, logger });
  uplink.start();

  const counters = { polls: 0, samples: 0 };
  let stopping = false;
  const commLost = new Set<string>();
  /** Per device: the points its SNMP table rows declared so far (sampled on every later poll). */
  const tablePoints = new Map<string, Map<string, PointDecl>>();

  const jobs = polled.map((p) => ({
    id: p.target.device,
    intervalMs: p.intervalMs,
    run: async (signal: AbortSignal) => {
      const ts = new Date().toISOString();
      let readings: RawReading[];
      try {
        readings = await driverFor(p.profile.protocol).poll(p.pollTarget, p.profile, signal);
      } catch (err) {
        if (stopping) return;
        logger.warn({ device: p.target.device, err: (err as Error).message }, 'poll failed or missed its deadline');
        readings = allPoints(p.profile, 'comm_loss');
      }
      if (stopping) return;
      // One sample per profile point per poll, whatever the driver returned: gaps must be visible.
      const byMetric = new Map(readings.map((r) => [r.metric, r]));
      const samples: Sample[] = p.profile.points.map((point) => {
        const r = byMetric.get(point.metric) ?? { value: null, quality: 'comm_loss' as const };
        const quality = r.quality === 'ok' && r.value === null ? 'sentinel' : r.quality;
        return { point: `${p.target.device}/${point.metric}`, ts, value: r.value, quality };
      });
      if (p.profile.protocol === 'snmp' && p.profile.tables?.length) {
        if (!tablePoints.has(p.target.device)) tablePoints.set(p.target.device, new Map());
        const rows = tableRowSamples(p.target.device, tablePoints.get(p.target.device)!, readings, ts, new Set(p.profile.points.map((pt) => pt.metric)));
        p.points.push(...rows.newPoints);
        samples.push(...rows.samples);
      }
      const lost = samples.every((s) => s.quality === 'comm_loss');
      if (lost && !commLost.has(p.target.device)) {
        commLost.add(p.target.device);
        logger.warn({ device: p.target.device, address: p.device.address }, 'device not answering; recording comm_loss');
      } else if (!lost && commLost.delete(p.target.device)) {
        logger.info({ device: p.target.device, address: p.device.address }, 'device answering again');
      }
      counters.polls++;
      counters.samples += samples.length;
      outbox.append([p.device], p.points, samples);
    },
  }));

  const scheduler = new PollScheduler(jobs, {
    onError: (device, err) => logger.error({ device, err: (err as Error).message }, 'poll job failed'),
    onOverrun: (device, skipped) => logger.warn({ device, skipped }, 'poll took longer than its interval; skipped slots'),
  });
  scheduler.start();
  for (const s of subscribers) s.start();
  logger.info({ collector: cfg.name, server: cfg.serverUrl, targets: prepared.map((p) => ({ device: p.target.device, address: p.device.address, profile: p.profile.name, intervalMs: p.intervalMs })) }, 'collector started');

  let stopped: Promise<void> | undefined;
  return {
    stats: () => ({
      polls: counters.polls,
      samples: counters.samples,
      batchesSent: uplink.batchesSent,
      batchesPending: outbox.pendingCount,
      batchesRejected: uplink.batchesRejected,
    }),
    stop() {
      stopped ??= (async () => {
        stopping = true;
        await scheduler.stop();
        await Promise.all(subscribers.map((s) => s.close()));
        await Promise.all([...drivers.values()].map((d) => d.close()));
        await uplink.stop();
        await outbox.close();
        const left = await uplink.drainOnce(FINAL_SEND_BUDGET_MS);
        logger.info({ collector: cfg.name, pendingBatches: left, sent: uplink.batchesSent }, left > 0 ? 'collector stopped; batches stay in the outbox for the next start' : 'collector stopped');
      })();
      return stopped;
    },
  };
}

const simDeviceSchema = z.object({
  id: deviceName,
  kind: z.enum(DEVICE_KINDS),
  protocol: z.string(),
  host: z.string(),
  port: z.number().int(),
  snmp: z.object({ community: z.string().optional(), v3: snmpV3UserSchema.optional() }).optional(),
  modbus: z.object({ unitId: z.number().int().min(0).max(255).optional(), wordOrder: z.enum(WORD_ORDERS).optional() }).optional(),
  mqtt: z.object({ brokerUrl: z.string(), topic: z.string(), availabilityTopic: z.string().optional() }).optional(),
  profile: z.string(),
  vendor: z.string().optional(),
  model: z.string().optional(),
});

/**
 * Targets for the devices a simulator announces at `GET /sim/v1/devices` that this collector can poll:
 * a protocol it has a driver for and a profile it ships. Others are left out (the simulator serves more
 * device kinds than the collector decodes so far).
 */
export async function targetsFromSim(simControlUrl: string, opts: { /** include the MQTT rack sensors (default true) */ mqtt?: boolean } = {}): Promise<TargetConfig[]> {
  const base = simControlUrl.replace(/\/+$/, '').replace(/\/sim\/v1$/, '');
  const url = `${base}/sim/v1/devices`;
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  if (!response.ok) throw new Error(`simulator at ${url} answered HTTP ${response.status}`);
  const body = z.object({ items: z.array(simDeviceSchema) }).parse(await response.json());
  return body.items
    .filter((d) => (d.protocol === 'snmp' || d.protocol === 'modbus' || (opts.mqtt !== false && d.protocol === 'mqtt' && d.mqtt)) && existsSync(resolveProfilePath(d.profile)))
    .map((d): TargetConfig => ({
      device: d.id,
      kind: d.kind,
      profile: d.profile,
      host: d.host,
      port: d.port,
      ...(d.protocol === 'snmp' ? { community: d.snmp?.community ?? 'public' } : {}),
      ...(d.protocol === 'snmp' && d.snmp?.v3 ? { v3: d.snmp.v3 } : {}),
      ...(d.protocol === 'modbus' && d.modbus?.unitId !== undefined ? { unitId: d.modbus.unitId } : {}),
      ...(d.protocol === 'modbus' && d.modbus?.wordOrder ? { wordOrder: d.modbus.wordOrder } : {}),
      ...(d.protocol === 'mqtt' && d.mqtt ? { mqtt: { brokerUrl: d.mqtt.brokerUrl, topic: d.mqtt.topic, ...(d.mqtt.availabilityTopic ? { availabilityTopic: d.mqtt.availabilityTopic } : {}) } } : {}),
      ...(d.vendor ? { vendor: d.vendor } : {}),
      ...(d.model ? { model: d.model } : {}),
    }));
}

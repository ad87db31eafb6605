/**
 * Kiban edge collector: polls devices according to their profiles, stores samples durably in a local
 * outbox and ships them to the server's ingest API.
 */
import { existsSync } from 'node:fs';
import { z } from 'zod';
import { collectorName, targetListSchema, type TargetConfig } from '../server/contracts/collector-config.ts';
import { DEVICE_KINDS, type DeviceDecl, type PointDecl, type Sample } from '../server/contracts/ingest.ts';
import type { ConfigSource } from './config-source.ts';
import { DEFAULT_IDENTITY_INTERVAL_MS, IDENTITY_READ_TIMEOUT_MS, IDENTITY_RETRY_MS, normalizeIdentity, sameIdentity } from './identity.ts';
import { ModbusDriver } from './drivers/modbus/modbus-driver.ts';
import { WORD_ORDERS } from './drivers/modbus/profile-schema.ts';
import { mqttSubscriptionsFor } from './drivers/mqtt/collector-glue.ts';
import type { MqttSubscriber } from './drivers/mqtt/mqtt-subscriber.ts';
import { snmpV3UserSchema } from './drivers/snmp/profile-schema.ts';
import { SnmpDriver } from './drivers/snmp/snmp-driver.ts';
import { tableRowSamples } from './drivers/snmp/table-points.ts';
import { startTrapReceiver, type TrapReceiverHandle } from './drivers/snmp/trap-receiver.ts';
import { allPoints, type Driver, type PollTarget, type RawReading, type SnmpV3User } from './drivers/types.ts';
import { jsonStderrLogger, type Logger } from './logger.ts';
import { Outbox, type OutboxFullPolicy, type OutboxStats } from './outbox.ts';
import { loadProfile, resolveProfilePath, type Profile } from './profile.ts';
import { PollScheduler, type PollJob, type SchedulerOptions, type SchedulerStats } from './scheduler.ts';
import { CollectorTelemetry, startMetricsServer, type MetricsServer } from './telemetry.ts';
import { Uplink, type UplinkStats } from './uplink.ts';
import { KIBAN_VERSION } from '../server/version.ts';

export type { Logger } from './logger.ts';
export { ProfileError, loadProfile } from './profile.ts';
// The target schema is shared with the server's central configuration routes; re-exported for old imports.
export { targetConfigSchema, targetListSchema, type TargetConfig } from '../server/contracts/collector-config.ts';
export type { ConfigSource } from './config-source.ts';

export interface CollectorConfig {
  name: string;
  serverUrl: string;
  token: string;
  outboxDir: string;
  /** A fixed target list; or give `configSource` (central config from the server, a watched file). */
  targets?: TargetConfig[];
  /** Where targets come from when they may change at run time; every change is applied without restart. */
  configSource?: ConfigSource;
  /** Poll interval of targets that do not set `intervalMs` (default DEFAULT_INTERVAL_MS). */
  defaultIntervalMs?: number;
  /**
   * How often each device's identity (sysDescr, model, serial, firmware, outlet count) is read again, for
   * targets that do not set `identityIntervalMs` (default 10 min; 0 = only when polling starts). It is read
   * when polling of a device starts and declared with the device in the next batch.
   */
  identityIntervalMs?: number;
  flushIntervalMs?: number;
  /** Poll timing: per-protocol concurrency, jitter, backoff of dead targets (see scheduler.ts). */
  scheduler?: SchedulerOptions;
  /** Receive SNMP traps and informs on this UDP port (docs/collector.md, "Traps and informs"). */
  traps?: { port: number; host?: string; v3Users?: SnmpV3User[]; community?: string };
  /** Serve the collector's own Prometheus /metrics (default host 127.0.0.1). */
  metrics?: { port: number; host?: string };
  /** How often the collector reports on itself as Kiban samples (default 15 s; 0 = never). */
  telemetryIntervalMs?: number;
  /** Disk cap of the outbox and what to give up when it is hit (see outbox.ts; default 1 GiB, drop-oldest). */
  outbox?: { maxBytes?: number; whenFull?: OutboxFullPolicy };
  logger?: Logger;
}

export interface CollectorStats {
  polls: number;
  samples: number;
  batchesSent: number;
  batchesPending: number;
  batchesRejected: number;
  /** Outbox size and cap, and every sample the cap cost (dropped oldest / rejected new). */
  outbox: OutboxStats;
  /** Live vs backfill sends and merged files (see uplink.ts). */
  uplink: UplinkStats;
  /** Poll slots, failures, backoff and skipped slots (see scheduler.ts). */
  scheduler: SchedulerStats;
}

export interface CollectorHandle {
  stop(): Promise<void>;
  stats(): CollectorStats;
  /**
   * Applies a new full target list without restart, diffed by device name: new devices start, removed ones
   * stop, changed ones (any field) are replaced. Targets that cannot be prepared (e.g. a missing profile)
   * are logged and left out (a changed one keeps running as it was). Calls are applied in order.
   */
  reconfigure(targets: TargetConfig[]): Promise<ReconfigureResult>;
  /** The targets running now. */
  targets(): TargetConfig[];
  /** Self-monitoring counters (also sent as samples and served on the local /metrics). */
  telemetry: CollectorTelemetry;
  /** Where the local /metrics is served, when `metrics` was configured. */
  metricsUrl: string | undefined;
}

export interface ReconfigureResult {
  added: string[];
  removed: string[];
  replaced: string[];
  /** device → why it could not be started */
  failed: Record<string, string>;
}

export const DEFAULT_INTERVAL_MS = 5000;
const FINAL_SEND_BUDGET_MS = 5000;
/** Identity reads running at once across all devices (they are rare; this keeps the start-up burst small). */
const MAX_IDENTITY_READS_IN_FLIGHT = 4;
/** A poll that started within this share of its interval after its slot is stamped with the slot time. */
const SNAP_SHARE = 0.25;

const deviceName = collectorName;

const collectorConfigSchema = z.object({
  name: deviceName,
  serverUrl: z.url({ protocol: /^https?$/ }),
  token: z.string().min(1, 'a token is required'),
  outboxDir: z.string().min(1),
  targets: targetListSchema.optional(),
  defaultIntervalMs: z.number().int().min(100).optional(),
  identityIntervalMs: z.number().int().min(0).optional(),
  flushIntervalMs: z.number().int().min(1).optional(),
});

export class CollectorConfigError extends Error {
  override name = 'CollectorConfigError';
}

/** The same target written with its fields in another order (a file vs the server's JSON) is unchanged. */
function fingerprint(value: unknown): string {
  return JSON.stringify(value, (_key, v) => (v && typeof v === 'object' && !Array.isArray(v)
    ? Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined).sort(([a], [b]) => a.localeCompare(b)))
    : v));
}

function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

interface PreparedTarget {
  target: TargetConfig;
  profile: Profile;
  pollTarget: PollTarget;
  intervalMs: number;
  /** Declared with every batch; carries the identity once it has been read. */
  device: DeviceDecl;
  points: PointDecl[];
  /** Re-read period of the identity (0: only once), and when it is next due (Infinity: the profile maps none). */
  identityIntervalMs: number;
  identityDueAt: number;
  /** Failed identity reads in a row (logged on the first). */
  identityFailures: number;
  /** An identity read is in flight. */
  identityReading: boolean;
}

async function prepareTarget(target: TargetConfig, defaultIntervalMs = DEFAULT_INTERVAL_MS, defaultIdentityIntervalMs = DEFAULT_IDENTITY_INTERVAL_MS): Promise<PreparedTarget> {
  const profile = await loadProfile(target.profile);
  const intervalMs = target.intervalMs ?? defaultIntervalMs;
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
    identityIntervalMs: target.identityIntervalMs ?? defaultIdentityIntervalMs,
    // Due at the first poll that is answered; never for a profile that says nothing about identity.
    identityDueAt: profile.protocol !== 'mqtt' && profile.identity ? 0 : Infinity,
    identityFailures: 0,
    identityReading: false,
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
  if ((cfg.targets === undefined) === (cfg.configSource === undefined)) {
    throw new CollectorConfigError('invalid collector config: give either targets or configSource');
  }
  const defaultIntervalMs = cfg.defaultIntervalMs ?? DEFAULT_INTERVAL_MS;
  const defaultIdentityIntervalMs = cfg.identityIntervalMs ?? DEFAULT_IDENTITY_INTERVAL_MS;

  // Changes a source announces before the collector is up are applied right after start.
  let applyChange: ((targets: TargetConfig[]) => void) | undefined;
  let earlyChange: TargetConfig[] | undefined;
  const initialTargets = cfg.targets ?? await cfg.configSource!.start((targets) => {
    if (applyChange) applyChange(targets);
    else earlyChange = targets;
  });
  // A fixed list must work as given (a typo stops the start). Targets from a source can be corrected
  // without restart, so one that cannot be prepared is logged and left out instead.
  const prepared = cfg.targets
    ? await Promise.all(cfg.targets.map((t) => prepareTarget(t, defaultIntervalMs, defaultIdentityIntervalMs)))
    : (await prepareEach(initialTargets)).prepared;

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
  const onMqttSamples = (device: DeviceDecl, points: PointDecl[], samples: Sample[]) => {
    if (stopping) return;
    counters.samples += samples.length;
    outbox.append([device], points, samples);
  };
  /**
   * MQTT targets share one subscriber per broker and profile; a group is rebuilt only when its set of
   * targets changed, so editing one PDU does not drop the rack sensors' subscription.
   */
  const mqttGroups = new Map<string, { members: string; subscribers: MqttSubscriber[] }>();
  const mqttPlan = (targets: PreparedTarget[]) => {
    const groups = new Map<string, PreparedTarget[]>();
    for (const p of targets) {
      if (p.profile.protocol !== 'mqtt') continue;
      const host = p.target.host.includes(':') ? `[${p.target.host}]` : p.target.host;
      const key = JSON.stringify([p.target.mqtt?.brokerUrl ?? `mqtt://${host}:${p.target.port}`, p.profile.file]);
      groups.set(key, [...(groups.get(key) ?? []), p]);
    }
    return groups;
  };
  const membersOf = (group: PreparedTarget[]) => group.map((p) => fingerprint(p.target)).sort().join('\n');
  const leftOutAtStart = new Set<string>();
  for (const [key, group] of mqttPlan(prepared)) {
    let subscribers: MqttSubscriber[];
    try {
      subscribers = mqttSubscriptionsFor(cfg.name, group, logger, onMqttSamples);
    } catch (err) {
      if (cfg.targets) throw err;
      logger.error({ devices: group.map((p) => p.target.device), err: (err as Error).message }, 'MQTT targets left out: cannot subscribe');
      for (const p of group) leftOutAtStart.add(p.target.device);
      continue;
    }
    mqttGroups.set(key, { members: membersOf(group), subscribers });
  }

  let uplink: Uplink | undefined;
  const outbox = await Outbox.open({
    dir: cfg.outboxDir,
    collector: cfg.name,
    flushIntervalMs: cfg.flushIntervalMs,
    ...cfg.outbox,
    logger,
    onSealed: () => uplink?.notify(),
  }).catch(async (err) => {
    // Nothing else has started yet but the source's follow loop.
    await cfg.configSource?.stop();
    throw err;
  });
  uplink = new Uplink({ serverUrl: cfg.serverUrl, token: cfg.token, outbox, logger });
  uplink.start();

  const telemetry = new CollectorTelemetry({
    collector: cfg.name,
    version: KIBAN_VERSION,
    outbox: () => {
      const o = outbox.stats();
      return {
        pendingBatches: o.pendingBatches, bytes: o.pendingBytes,
        oldestAgeMs: o.oldestPendingAt === undefined ? 0 : Math.max(0, Date.now() - o.oldestPendingAt),
        droppedSamples: o.droppedSamples + o.rejectedNewSamples, droppedBatches: o.droppedBatches + o.rejectedNewBatches,
        batchesSent: uplink!.batchesSent, batchesRejected: uplink!.batchesRejected,
      };
    },
  });

  const counters = { polls: 0, samples: 0 };
  let stopping = false;
  const commLost = new Set<string>();
  /** Per device: the points its SNMP table rows declared so far (sampled on every later poll). */
  const tablePoints = new Map<string, Map<string, PointDecl>>();

  /**
   * A poll's samples are stamped with its slot time when the poll started close to it (within
   * SNAP_SHARE of the interval: the usual case), else with the time it really started (a stalled host or a
   * long wait for a concurrency slot stays visible). Evenly spaced timestamps make one sample per slot
   * and exact rollup buckets. Per device the stamps strictly increase, so no two slots share a (point, ts)
   * key, which the server would store once.
   */
  const lastStamp = new Map<string, number>();
  const stamp = (device: string, slotAt: number, startedAt: number, intervalMs: number): string => {
    let t = startedAt - slotAt <= SNAP_SHARE * intervalMs ? slotAt : startedAt;
    const last = lastStamp.get(device);
    if (last !== undefined && t <= last) t = last + 1;
    lastStamp.set(device, t);
    return new Date(t).toISOString();
  };

  const buildPollJob = (p: PreparedTarget): PollJob => ({
    id: p.target.device,
    intervalMs: p.intervalMs,
    // Concurrency class: polls of one protocol share its in-flight limit.
    protocol: p.profile.protocol,
    // Backoff, no free slot or an overrun: no network I/O, but every point still gets its comm_loss sample.
    skip: ({ slotAt }) => {
      if (stopping) return;
      const ts = stamp(p.target.device, slotAt, slotAt, p.intervalMs);
      // Every point the device has, SNMP table rows seen so far included (p.points), as a failed poll records.
      const samples: Sample[] = p.points.map((point) => ({ point: point.key, ts, value: null, quality: 'comm_loss' }));
      counters.samples += samples.length;
      telemetry.recordPoll(p.target.device, p.profile.protocol, 'skipped');
      outbox.append([p.device], p.points, samples);
    },
    run: async (signal: AbortSignal, { slotAt }) => {
      const ts = stamp(p.target.device, slotAt, Date.now(), p.intervalMs);
      const started = performance.now();
      let readings: RawReading[];
      try {
        readings = await driverFor(p.profile.protocol).poll(p.pollTarget, p.profile, signal);
      } catch (err) {
        if (stopping) return;
        if (!commLost.has(p.target.device)) logger.warn({ device: p.target.device, err: (err as Error).message }, 'poll failed or missed its deadline');
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
      telemetry.recordPoll(p.target.device, p.profile.protocol, lost ? 'comm_loss' : samples.every((x) => x.quality === 'ok') ? 'ok' : 'partial', performance.now() - started);
      outbox.append([p.device], p.points, samples);
      // Identity from a device that answers, beside the polls: a device that cannot tell who it is (or takes
      // its time) is still polled as usual.
      if (!lost && !p.identityReading && Date.now() >= p.identityDueAt && identityReads.size < MAX_IDENTITY_READS_IN_FLIGHT) startIdentityRead(p);
      // A device that answers nothing drives the scheduler's backoff; a partial answer does not.
      return lost ? 'failed' : 'ok';
    },
  });

  /**
   * Identity reads run beside the poll jobs, outside their deadlines (a read is a few GETs every
   * identityIntervalMs; a poll that uses most of its interval must not starve it), each bounded by
   * IDENTITY_READ_TIMEOUT_MS, at most MAX_IDENTITY_READS_IN_FLIGHT at once (at start every device is due: the
   * others wait for their next poll). stop() aborts them and waits for them before closing the drivers.
   */
  const identityReads = new Set<Promise<void>>();
  const identityStop = new AbortController();
  const startIdentityRead = (p: PreparedTarget): void => {
    p.identityReading = true;
    const signal = AbortSignal.any([identityStop.signal, AbortSignal.timeout(IDENTITY_READ_TIMEOUT_MS)]);
    const reading: Promise<void> = readIdentity(p, signal).finally(() => {
      p.identityReading = false;
      identityReads.delete(reading);
    });
    identityReads.add(reading);
  };
  const stopIdentityReads = async (): Promise<void> => {
    identityStop.abort();
    await Promise.allSettled([...identityReads]);
  };

  /**
   * Reads what the device says about itself and, when it changed, declares the device with it (the outbox
   * keeps the newest declaration, so the next batch carries it). Failures are logged once per streak and
   * retried within IDENTITY_RETRY_MS.
   */
  const readIdentity = async (p: PreparedTarget, signal: AbortSignal): Promise<void> => {
    const driver = driverFor(p.profile.protocol);
    if (!driver.readIdentity) {
      p.identityDueAt = Infinity;
      return;
    }
    const nextAt = (ms: number) => (p.identityIntervalMs > 0 ? Date.now() + ms : Infinity);
    try {
      const identity = normalizeIdentity((await driver.readIdentity(p.pollTarget, p.profile, signal)) ?? {});
      if (stopping || running.get(p.target.device) !== p) return;
      p.identityDueAt = nextAt(p.identityIntervalMs);
      if (p.identityFailures > 0) logger.info({ device: p.target.device }, 'device identity read again');
      p.identityFailures = 0;
      if (!identity || sameIdentity(identity, p.device.identity)) return;
      if (p.device.identity) logger.info({ device: p.target.device, was: p.device.identity, now: identity }, 'device identity changed');
      p.device = { ...p.device, identity };
      outbox.append([p.device], [], []);
    } catch (err) {
      if (stopping) return;
      p.identityDueAt = nextAt(Math.min(p.identityIntervalMs, IDENTITY_RETRY_MS));
      if (p.identityFailures++ === 0) logger.warn({ device: p.target.device, err: (err as Error).message }, 'device identity not read; polling goes on, retrying later');
    }
  };
  const jobs = polled.map(buildPollJob);

  const scheduler = new PollScheduler(jobs, {
    onError: (device, err) => logger.error({ device, err: (err as Error).message }, 'poll job failed'),
    onOverrun: (device, skipped) => logger.warn({ device, skipped }, 'poll took longer than its interval; recorded comm_loss for the missed slots'),
    onBackoff: (device, info) => logger.warn({ device, ...info }, 'device keeps failing; polling it less often (comm_loss still recorded every interval)'),
    onRecover: (device, info) => logger.info({ device, ...info }, 'device answered again; back to its normal poll interval'),
    onNoSlot: (device, protocol) => logger.warn({ device, protocol }, 'no free poll slot before the deadline (too many slow devices on this protocol?); recorded comm_loss'),
  }, cfg.scheduler);
  scheduler.start();
  for (const g of mqttGroups.values()) for (const s of g.subscribers) s.start();
  // (SNMP trap receiver: starts here, next to the poll jobs and subscriptions, and follows reconfigure.)
  logger.info({ collector: cfg.name, server: cfg.serverUrl, targets: prepared.map((p) => ({ device: p.target.device, address: p.device.address, profile: p.profile.name, intervalMs: p.intervalMs })) }, 'collector started');

  /** What runs now, by device name. */
  const running = new Map(prepared.filter((p) => !leftOutAtStart.has(p.target.device)).map((p) => [p.target.device, p]));

  // Traps are matched against whatever runs now, so they follow reconfigure() without a restart.
  let trapReceiver: TrapReceiverHandle | undefined;
  if (cfg.traps) {
    try {
      trapReceiver = await startTrapReceiver({
        bind: cfg.traps.host ?? '0.0.0.0', port: cfg.traps.port, v3Users: cfg.traps.v3Users, community: cfg.traps.community, logger,
        targets: () => [...running.values()].filter((p) => p.profile.protocol === 'snmp').map((p) => ({
          device: p.target.device, host: p.target.host, profile: p.profile, community: p.pollTarget.community, v3: p.target.v3,
        })),
        onEvent: (device, events, samples) => {
          const p = running.get(device);
          if (!p || stopping) return;
          counters.samples += samples.length;
          telemetry.recordTrap();
          void outbox.appendEvents([p.device], events, p.points, samples);
        },
      });
    } catch (err) {
      // Nothing may keep running when the collector cannot start as configured.
      stopping = true;
      await cfg.configSource?.stop();
      await scheduler.stop();
      await stopIdentityReads();
      await Promise.all([...mqttGroups.values()].flatMap((g) => g.subscribers.map((s) => s.close())));
      await Promise.all([...drivers.values()].map((d) => d.close()));
      await uplink.stop();
      await outbox.close();
      throw err;
    }
  }

  const telemetryIntervalMs = cfg.telemetryIntervalMs ?? 15_000;
  const telemetryTimer = telemetryIntervalMs > 0 ? setInterval(() => {
    if (stopping) return;
    telemetry.setSamplesTotal(counters.samples);
    const snap = telemetry.snapshot();
    outbox.append(snap.devices, snap.points, snap.samples);
  }, telemetryIntervalMs) : undefined;
  telemetryTimer?.unref();
  let metricsServer: MetricsServer | undefined;
  if (cfg.metrics) {
    try {
      metricsServer = await startMetricsServer(telemetry, cfg.metrics);
      logger.info({ url: `${metricsServer.url}/metrics` }, 'collector metrics served');
    } catch (err) {
      logger.error({ port: cfg.metrics.port, host: cfg.metrics.host ?? '127.0.0.1', err: (err as Error).message }, 'cannot serve collector /metrics; continuing without it');
    }
  }

  async function prepareEach(targets: TargetConfig[]): Promise<{ prepared: PreparedTarget[]; failed: Record<string, string> }> {
    const failed: Record<string, string> = {};
    const results = await Promise.all(targets.map(async (t) => {
      try {
        return await prepareTarget(t, defaultIntervalMs, defaultIdentityIntervalMs);
      } catch (err) {
        failed[t.device] = (err as Error).message;
        logger.error({ device: t.device, profile: t.profile, err: (err as Error).message }, 'target left out: it cannot be prepared');
        return undefined;
      }
    }));
    return { prepared: results.filter((p): p is PreparedTarget => p !== undefined), failed };
  }

  const forgetDeviceState = (device: string) => {
    commLost.delete(device);
    tablePoints.delete(device);
  };

  async function applyTargets(targets: TargetConfig[]): Promise<ReconfigureResult> {
    const result: ReconfigureResult = { added: [], removed: [], replaced: [], failed: {} };
    if (stopping) return result;
    const checked = targetListSchema.safeParse(targets);
    if (!checked.success) {
      const issue = checked.error.issues[0];
      throw new CollectorConfigError(`invalid target list: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
    }
    const wanted = new Map(checked.data.map((t) => [t.device, t as TargetConfig]));
    const changed = [...wanted.values()].filter((t) => {
      const now = running.get(t.device);
      return !now || fingerprint(now.target) !== fingerprint(t);
    });
    const fresh = await prepareEach(changed);
    result.failed = fresh.failed;
    if (stopping) return result;

    for (const [device, old] of [...running]) {
      if (wanted.has(device)) continue;
      running.delete(device);
      if (old.profile.protocol !== 'mqtt') await scheduler.remove(device);
      forgetDeviceState(device);
      telemetry.forget(device);
      result.removed.push(device);
    }
    for (const p of fresh.prepared) {
      const device = p.target.device;
      const old = running.get(device);
      running.set(device, p);
      if (!old) {
        if (p.profile.protocol !== 'mqtt') scheduler.add(buildPollJob(p));
        result.added.push(device);
        continue;
      }
      const wasPolled = old.profile.protocol !== 'mqtt';
      const isPolled = p.profile.protocol !== 'mqtt';
      if (wasPolled && isPolled) await scheduler.replace(buildPollJob(p));
      else if (wasPolled) await scheduler.remove(device);
      else if (isPolled) scheduler.add(buildPollJob(p));
      forgetDeviceState(device);
      result.replaced.push(device);
    }

    const plan = mqttPlan([...running.values()]);
    for (const [key, group] of [...mqttGroups]) {
      const next = plan.get(key);
      if (next && membersOf(next) === group.members) continue;
      mqttGroups.delete(key);
      await Promise.all(group.subscribers.map((s) => s.close()));
    }
    for (const [key, group] of plan) {
      if (mqttGroups.has(key)) continue;
      let subscribers: MqttSubscriber[];
      try {
        subscribers = mqttSubscriptionsFor(cfg.name, group, logger, onMqttSamples);
      } catch (err) {
        for (const p of group) {
          running.delete(p.target.device);
          result.failed[p.target.device] = (err as Error).message;
        }
        logger.error({ devices: group.map((p) => p.target.device), err: (err as Error).message }, 'MQTT targets left out: cannot subscribe');
        continue;
      }
      mqttGroups.set(key, { members: membersOf(group), subscribers });
      for (const s of subscribers) s.start();
    }

    const changes = result.added.length + result.removed.length + result.replaced.length + Object.keys(result.failed).length;
    if (changes > 0) logger.info({ collector: cfg.name, ...result, targets: running.size }, 'targets reconfigured');
    return result;
  }

  let applying: Promise<unknown> = Promise.resolve();
  const reconfigure = (targets: TargetConfig[]): Promise<ReconfigureResult> => {
    const next = applying.then(() => applyTargets(targets));
    applying = next.catch(() => {});
    return next;
  };
  applyChange = (targets) => {
    reconfigure(targets).catch((err) => logger.error({ collector: cfg.name, err: (err as Error).message }, 'new configuration not applied; keeping the previous one'));
  };
  if (earlyChange) applyChange(earlyChange);

  let stopped: Promise<void> | undefined;
  return {
    reconfigure,
    telemetry,
    metricsUrl: metricsServer ? `${metricsServer.url}/metrics` : undefined,
    targets: () => [...running.values()].map((p) => p.target),
    stats: () => ({
      polls: counters.polls,
      samples: counters.samples,
      batchesSent: uplink.batchesSent,
      batchesPending: outbox.pendingCount,
      batchesRejected: uplink.batchesRejected,
      outbox: outbox.stats(),
      uplink: uplink.stats(),
      scheduler: scheduler.stats(),
    }),
    stop() {
      stopped ??= (async () => {
        stopping = true;
        if (telemetryTimer) clearInterval(telemetryTimer);
        await metricsServer?.close();
        await cfg.configSource?.stop();
        await applying;
        await scheduler.stop();
        await stopIdentityReads();
        await Promise.all([...mqttGroups.values()].flatMap((g) => g.subscribers.map((s) => s.close())));
        await trapReceiver?.stop();
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

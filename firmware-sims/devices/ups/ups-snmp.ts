/**
 * A UPS network management card speaking SNMP: RFC 1628 UPS-MIB in full plus the MIB-II system group,
 * v2c (community) and v3 (USM authPriv, HMAC-SHA-96 / AES-128-CFB), and UPS-MIB notifications to the
 * configured receivers. Values come from the physics model (`ctx.state().ups.get(upsId)`) and are
 * re-published whenever a new tick's state appears; communication faults change how requests are
 * answered.
 *
 * Timing rules (document for users):
 * - upsTrapOnBattery is sent when the output source becomes battery and re-sent every 60 s of
 *   **simulated** time (`state.simTimeMs`) while it stays on battery — the UPS's own minute, so with
 *   `--speed 60` it is re-sent every wall-clock second and the 5 s limit below coalesces them.
 * - At most one notification per receiver per 5 s of **wall-clock** time (a network-level limit);
 *   the rest are queued in order; a queued upsTrapOnBattery is not queued twice and carries the values
 *   of the moment it is sent.
 * - sysUpTime and upsAlarmTime are wall-clock hundredths of a second since `ctx.startedAtMs`;
 *   upsAlarmTime is the agent's sysUpTime when it first published the row (0 for rows present at start).
 * - While `device_silent` is active no notification is sent either (the card is hung).
 */
import * as snmp from 'net-snmp';
import { snmpGateForDevice, snmpNoSuchInstanceOverride } from '../../protocols/snmp/comm-faults.ts';
import { startSnmpAgent, type ScalarDefinition, type SnmpAgentHandle, type SnmpValue } from '../../protocols/snmp/agent.ts';
import { SnmpNotifier, type SentNotification, type TrapReceiver } from '../../protocols/snmp/notifier.ts';
import { advertisedHost, type SimContext, type SimEndpoint, type UpsAlarmRow, type UpsState } from '../../site/types.ts';
import {
  ALARMS_WITHOUT_ADDED_TRAP, ALARMS_WITHOUT_REMOVED_TRAP, BatteryStatus, MIB2_SYSTEM_OBJECTS, OutputSource, UPS_ALARM_ID_OID,
  UPS_MIB, UPS_MIB_OBJECTS, UPS_MIB_TABLES, UPS_TRAPS, UPS_WELL_KNOWN_TESTS, wellKnownAlarmOid,
} from './rfc1628.ts';
import { defaultUpsIdentity, upsIdentitySource, type UpsIdentity } from './ups-identity.ts';

export interface UpsSnmpOptions {
  host: string;
  /** UDP port; 0 picks a free one. */
  port: number;
  community: string;
  /** Optional SNMPv3 user, authPriv with SHA (HMAC-SHA-96) and AES (128-bit CFB). Keys ≥ 8 characters. */
  v3User?: { user: string; authKey: string; privKey: string };
  trapReceivers?: TrapReceiver[];
  identity?: Partial<UpsIdentity>;
  /** Minimum wall-clock spacing of notifications per receiver (RFC 1628: 5 s). */
  trapMinIntervalMs?: number;
  /** Re-send period of upsTrapOnBattery in simulated ms (RFC 1628: one minute). */
  onBatteryResendMs?: number;
  /** Observe every notification sent (tests, logs). */
  onTrapSent?: (sent: SentNotification) => void;
}

export interface UpsSnmpAgent {
  host: string;
  port: number;
  /** What GET /sim/v1/devices lists for this agent. */
  endpoint: SimEndpoint;
  identity: UpsIdentity;
  /** The agent's sysUpTime now (TimeTicks, 0.01 s). */
  sysUpTime(): number;
  /** Publish the current state immediately (normally done on each tick and before each request). */
  sync(): void;
  close(): Promise<void>;
}

/** The RFC 1628 integer values of one UpsState (scalars by object name, one row per table). */
export interface UpsMibValues {
  scalars: Record<string, SnmpValue>;
  inputLine: Record<string, SnmpValue>;
  outputLine: Record<string, SnmpValue>;
  bypassLine: Record<string, SnmpValue>;
}

const int = (v: number) => (Number.isFinite(v) ? Math.round(v) : 0);
const nonNegative = (v: number) => Math.max(0, int(v));

export function upsMibValues(ups: UpsState, id: UpsIdentity, upsId: string): UpsMibValues {
  const testing = ups.alarms.some((a) => a.alarm === 'testInProgress');
  const batteryStatus = { unknown: BatteryStatus.unknown, normal: BatteryStatus.batteryNormal, low: BatteryStatus.batteryLow, depleted: BatteryStatus.batteryDepleted }[ups.batteryStatus];
  return {
    scalars: {
      upsIdentManufacturer: id.manufacturer.slice(0, 31),
      upsIdentModel: id.model.slice(0, 63),
      upsIdentUPSSoftwareVersion: id.firmware.slice(0, 63),
      upsIdentAgentSoftwareVersion: id.agentVersion.slice(0, 63),
      upsIdentName: upsId.slice(0, 63),
      upsIdentAttachedDevices: id.attachedDevices.slice(0, 63),

      upsBatteryStatus: batteryStatus,
      upsSecondsOnBattery: nonNegative(ups.secondsOnBattery),
      upsEstimatedMinutesRemaining: nonNegative(ups.minutesRemaining),
      upsEstimatedChargeRemaining: Math.min(100, nonNegative(ups.chargePercent)),
      upsBatteryVoltage: nonNegative(ups.batteryVoltageV * 10),
      upsBatteryCurrent: int(ups.batteryCurrentA * 10),
      upsBatteryTemperature: int(ups.batteryTemperatureC),

      upsInputLineBads: (Math.max(0, Math.floor(ups.inputLineBads)) % 2 ** 32),
      upsInputNumLines: 1,

      upsOutputSource: OutputSource[ups.source],
      upsOutputFrequency: nonNegative(ups.outputFrequencyHz * 10),
      upsOutputNumLines: 1,

      upsBypassFrequency: nonNegative(ups.bypassFrequencyHz * 10),
      upsBypassNumLines: 1,

      upsAlarmsPresent: ups.alarms.length,

      upsTestId: testing ? UPS_WELL_KNOWN_TESTS.upsTestQuickBatteryTest : UPS_WELL_KNOWN_TESTS.upsTestNoTestsInitiated,
      upsTestSpinLock: 1,
      upsTestResultsSummary: testing ? 5 : 6,
      upsTestResultsDetail: '',
      upsTestStartTime: 0,
      upsTestElapsedTime: 0,

      upsShutdownType: 1,
      upsShutdownAfterDelay: -1,
      upsStartupAfterDelay: -1,
      upsRebootWithDuration: -1,
      upsAutoRestart: 1,

      upsConfigInputVoltage: nonNegative(id.nominalVoltageV),
      upsConfigInputFreq: nonNegative(id.nominalFrequencyHz * 10),
      upsConfigOutputVoltage: nonNegative(id.nominalVoltageV),
      upsConfigOutputFreq: nonNegative(id.nominalFrequencyHz * 10),
      upsConfigOutputVA: nonNegative(ups.ratedVA),
      upsConfigOutputPower: nonNegative(ups.ratedW),
      upsConfigLowBattTime: nonNegative(id.lowBatteryTimeMin),
      upsConfigAudibleStatus: 2,
      upsConfigLowVoltageTransferPoint: nonNegative(id.nominalVoltageV * 0.8),
      upsConfigHighVoltageTransferPoint: nonNegative(id.nominalVoltageV * 1.2),
    },
    inputLine: {
      upsInputLineIndex: 1,
      upsInputFrequency: nonNegative(ups.inputFrequencyHz * 10),
      upsInputVoltage: nonNegative(ups.inputVoltageV),
      upsInputCurrent: nonNegative(ups.inputCurrentA * 10),
      upsInputTruePower: nonNegative(ups.inputPowerW),
    },
    outputLine: {
      upsOutputLineIndex: 1,
      upsOutputVoltage: nonNegative(ups.outputVoltageV),
      upsOutputCurrent: nonNegative(ups.outputCurrentA * 10),
      upsOutputPower: nonNegative(ups.outputPowerW),
      upsOutputPercentLoad: Math.min(200, nonNegative(ups.outputPercentLoad)),
    },
    bypassLine: {
      upsBypassLineIndex: 1,
      upsBypassVoltage: nonNegative(ups.bypassVoltageV),
      upsBypassCurrent: nonNegative(ups.bypassCurrentA * 10),
      upsBypassPower: nonNegative(ups.bypassPowerW),
    },
  };
}

const SCALAR_OBJECTS = UPS_MIB_OBJECTS.filter((o) => !o.table);
const byName = new Map(UPS_MIB_OBJECTS.map((o) => [o.name, o]));

export async function startUpsSnmp(ctx: SimContext, upsId: string, opts: UpsSnmpOptions): Promise<UpsSnmpAgent> {
  const first = ctx.state().ups.get(upsId);
  if (!first) throw new Error(`startUpsSnmp: the site has no UPS ${upsId}`);
  const identity = defaultUpsIdentity(upsId, first.ratedVA, opts.identity);
  const sysUpTime = () => Math.floor((Date.now() - ctx.startedAtMs) / 10) % 2 ** 32;

  let lastState: UpsState | undefined;
  let agent: SnmpAgentHandle | undefined;
  const sync = () => {
    const ups = ctx.state().ups.get(upsId);
    if (!ups || ups === lastState || !agent) return;
    publish(ups, ctx.state().simTimeMs);
  };

  const system: ScalarDefinition[] = Object.entries(MIB2_SYSTEM_OBJECTS).map(([name, def]) => ({ name, ...def }));
  system.find((s) => s.name === 'sysUpTime')!.dynamic = sysUpTime;
  agent = await startSnmpAgent({
    host: opts.host,
    port: opts.port,
    community: opts.community,
    users: opts.v3User ? [{ name: opts.v3User.user, authKey: opts.v3User.authKey, privKey: opts.v3User.privKey }] : [],
    scalars: [...system, ...SCALAR_OBJECTS.map((o) => ({ name: o.name, oid: o.oid, type: o.type }))],
    tables: Object.values(UPS_MIB_TABLES),
    requestGate: snmpGateForDevice(ctx.faults, upsId, () => sync()),
    instanceOverride: snmpNoSuchInstanceOverride(ctx.faults, upsId, [UPS_MIB]),
    engineGroup: true,
  });
  const mib = agent;
  // What the card reports: the nameplate, or a swapped unit's while identity_changed lasts (set on publish).
  const reported = upsIdentitySource(ctx, upsId, identity);
  const sysDescrOf = (id: UpsIdentity) => `${id.manufacturer} ${id.model}, firmware ${id.firmware}, serial ${id.serial} (Kiban simulator)`;
  let publishedSysDescr = sysDescrOf(identity);
  mib.setScalar('sysDescr', publishedSysDescr);
  mib.setScalar('sysObjectID', UPS_MIB);
  mib.setScalar('sysContact', 'facility@example.invalid');
  mib.setScalar('sysName', upsId);
  mib.setScalar('sysLocation', ctx.spec?.name ?? 'Kiban simulated site');
  mib.setScalar('sysServices', 72); // application + end-to-end layers, as network management cards report

  const notifier = opts.trapReceivers?.length
    ? new SnmpNotifier(opts.trapReceivers, { defaultCommunity: opts.community, defaultV3User: opts.v3User, minIntervalMs: opts.trapMinIntervalMs, upTime: sysUpTime, onSent: opts.onTrapSent })
    : undefined;
  const silent = () => ctx.faults.forDevice(upsId, 'snmp')?.kind === 'device_silent';
  const notify = (trapOid: string, varbinds: () => snmp.Varbind[], coalesceKey?: string) => {
    if (notifier && !silent()) notifier.send({ trapOid, varbinds, coalesceKey });
  };
  const current = (name: string): snmp.Varbind => {
    const values = lastState ? upsMibValues(lastState, reported(), upsId).scalars : {};
    return { oid: `${byName.get(name)!.oid}.0`, type: byName.get(name)!.type, value: values[name] };
  };
  const alarmVarbinds = (row: UpsAlarmRow) => (): snmp.Varbind[] => [
    { oid: `${UPS_ALARM_ID_OID}.${row.id}`, type: snmp.ObjectType.Integer, value: row.id },
    { oid: `${byName.get('upsAlarmDescr')!.oid}.${row.id}`, type: snmp.ObjectType.OID, value: wellKnownAlarmOid(row.alarm) },
  ];

  const onBatteryResendMs = opts.onBatteryResendMs ?? 60_000;
  let lastOnBatteryTrapSimMs: number | undefined;
  let publishedAlarms = new Map<number, UpsAlarmRow>();
  const alarmTimes = new Map<number, number>();
  let firstPublish = true;

  function publish(ups: UpsState, simTimeMs: number) {
    lastState = ups;
    const id = reported();
    const values = upsMibValues(ups, id, upsId);
    for (const [name, value] of Object.entries(values.scalars)) mib.setScalar(name, value);
    const sysDescr = sysDescrOf(id);
    if (sysDescr !== publishedSysDescr) mib.setScalar('sysDescr', (publishedSysDescr = sysDescr));
    mib.setRow('upsInputTable', values.inputLine);
    mib.setRow('upsOutputTable', values.outputLine);
    mib.setRow('upsBypassTable', values.bypassLine);

    // Alarm table: rows follow the model's list; a row whose id now names another alarm is replaced.
    const next = new Map(ups.alarms.map((row) => [row.id, row]));
    const removed = [...publishedAlarms.values()].filter((row) => next.get(row.id)?.alarm !== row.alarm);
    const added = [...next.values()].filter((row) => publishedAlarms.get(row.id)?.alarm !== row.alarm);
    for (const row of removed) { mib.deleteRow('upsAlarmTable', row.id); alarmTimes.delete(row.id); }
    for (const row of added) {
      const detectedAt = firstPublish ? 0 : sysUpTime();
      alarmTimes.set(row.id, detectedAt);
      mib.setRow('upsAlarmTable', { upsAlarmId: row.id, upsAlarmDescr: wellKnownAlarmOid(row.alarm), upsAlarmTime: detectedAt });
    }
    publishedAlarms = next;

    // Notifications (none for rows that were already there when the agent started).
    if (!firstPublish) {
      for (const row of removed) {
        if (!ALARMS_WITHOUT_REMOVED_TRAP.has(row.alarm)) notify(UPS_TRAPS.upsTrapAlarmEntryRemoved.oid, alarmVarbinds(row));
      }
      for (const row of added) {
        if (!ALARMS_WITHOUT_ADDED_TRAP.has(row.alarm)) notify(UPS_TRAPS.upsTrapAlarmEntryAdded.oid, alarmVarbinds(row));
      }
    }
    if (ups.source === 'battery') {
      if (lastOnBatteryTrapSimMs === undefined || simTimeMs - lastOnBatteryTrapSimMs >= onBatteryResendMs) {
        lastOnBatteryTrapSimMs = simTimeMs;
        notify(UPS_TRAPS.upsTrapOnBattery.oid, () => UPS_TRAPS.upsTrapOnBattery.objects.map(current), 'onBattery');
      }
    } else {
      lastOnBatteryTrapSimMs = undefined;
    }
    firstPublish = false;
  }

  publish(first, ctx.state().simTimeMs);
  const unsubscribe = ctx.onTick((state) => {
    const ups = state.ups.get(upsId);
    if (ups && ups !== lastState) publish(ups, state.simTimeMs);
  });

  const endpoint: SimEndpoint = {
    id: upsId,
    kind: 'ups',
    protocol: 'snmp',
    host: advertisedHost(opts.host),
    port: mib.port,
    profile: 'rfc1628-ups',
    vendor: identity.manufacturer,
    model: identity.model,
    snmp: {
      version: '2c',
      community: opts.community,
      ...(opts.v3User
        ? { v3: { user: opts.v3User.user, authProtocol: 'sha' as const, authKey: opts.v3User.authKey, privProtocol: 'aes' as const, privKey: opts.v3User.privKey } }
        : {}),
    },
  };

  return {
    host: opts.host,
    port: mib.port,
    endpoint,
    identity,
    sysUpTime,
    sync,
    close: async () => {
      unsubscribe();
      notifier?.close();
      await mib.close();
    },
  };
}

const LINE_OF_TABLE: Record<string, keyof Omit<UpsMibValues, 'scalars'>> = {
  upsInputTable: 'inputLine', upsOutputTable: 'outputLine', upsBypassTable: 'bypassLine',
};

/**
 * The value this adapter serves at an instance OID (`….0` for scalars, `….1` for line 1 of a table) for a
 * given state — what a correct poller must read. Used as ground truth at the protocol's resolution.
 */
export function upsMibValueAt(ups: UpsState, upsId: string, instanceOid: string): SnmpValue | undefined {
  const values = upsMibValues(ups, defaultUpsIdentity(upsId, ups.ratedVA), upsId);
  for (const o of UPS_MIB_OBJECTS) {
    if (!o.table && instanceOid === `${o.oid}.0`) return values.scalars[o.name];
    const line = o.table ? LINE_OF_TABLE[o.table] : undefined;
    if (line && instanceOid === `${o.oid}.1`) return values[line][o.name];
  }
  return undefined;
}

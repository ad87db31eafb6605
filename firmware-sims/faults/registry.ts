/**
 * The faults currently injected into the simulated site. Physics faults (utility failure, breaker trip,
 * CRAC failure, …) are read by the site model each tick and change what the hardware experiences;
 * communication faults (silent, slow, exception, …) are read by the protocol adapters through
 * `forDevice()` and change how a device answers. Every fault is validated against the site when injected,
 * so a typo fails loudly instead of silently doing nothing.
 */
import { z } from 'zod';
import { rackServerLayout } from '../site/rack-layout.ts';
import { pduIdOf, sensorIdOf, siteDeviceKinds, type SimDeviceKind } from '../site/spec.ts';
import type { CommFaults, Fault, FaultKind, IdentityOverride, RackSpec, SiteSpec } from '../site/types.ts';

/** What a fault can be aimed at. `rack` covers the rack's sensor; `site` is the utility supply of the whole site. */
export type FaultTargetType = SimDeviceKind | 'rack' | 'site';
export type SensorMode = 'normal' | 'stuck' | 'noisy' | 'silent';
export type FaultProtocol = 'snmp' | 'modbus' | 'mqtt';

export const SITE_TARGET = 'site';

interface KindRule {
  /** Target types the fault applies to. */
  targets: readonly FaultTargetType[];
  params: z.ZodType<Record<string, unknown>>;
  /** Communication faults: for adapters, with the protocols whose answers they change. */
  protocols?: readonly FaultProtocol[];
  /** For the docs: what a fault that is neither physics nor a communication fault changes. */
  answers?: string;
}

const noParams = z.strictObject({});
const positiveSeconds = z.number().min(0).max(86_400);
/**
 * Nameplate text as both faces of a UPS can show it: the APC Modbus map holds 16 characters of serial and
 * firmware and 32 of model; SNMP DisplayStrings are printable ASCII.
 */
const nameplate = (maxLength: number) => z.string().min(1).max(maxLength).refine((t) => /^[\x20-\x7e]+$/.test(t), 'printable ASCII');
/** A PDU outlet, 1-based; checked against the PDU's outlet count when injected. */
const outletNumber = z.number().int().min(1);

export const FAULT_RULES: Record<FaultKind, KindRule> = {
  // Whole site (target `site` or the utility meter): every UPS on battery, generator after a delay.
  // One UPS: its input feeder is lost; the generator cannot help downstream of the switchboard.
  utility_failure: {
    targets: ['ups', 'site', 'meter'],
    params: z.strictObject({
      generator: z.boolean().default(true),
      generatorStartDelayS: positiveSeconds.default(10),
    }),
  },
  battery_bad: { targets: ['ups'], params: noParams },
  ups_overload: {
    targets: ['ups'],
    params: z.strictObject({
      percentLoad: z.number().min(101).max(200).default(115),
      bypassAfterS: positiveSeconds.default(30),
    }),
  },
  ups_bypass: { targets: ['ups'], params: noParams },
  outlet_overload: {
    targets: ['pdu'],
    params: z.strictObject({
      outlet: z.number().int().min(1),
      /** Current drawn through the outlet; default 125 % of its rating. */
      currentA: z.number().positive().max(100).optional(),
    }),
  },
  breaker_trip: { targets: ['pdu'], params: noParams },
  // Configuration drift. A unit swapped for another without updating the CMDB: the device reports this
  // serial/model/firmware on every interface (SNMP and Modbus of a UPS alike) until cleared.
  identity_changed: {
    targets: ['ups', 'pdu'],
    answers: 'snmp, modbus: identity objects (sysDescr, model, serial, firmware)',
    params: z.strictObject({ serial: nameplate(16).optional(), model: nameplate(32).optional(), firmware: nameplate(16).optional() })
      .refine((p) => p.serial !== undefined || p.model !== undefined || p.firmware !== undefined, 'give at least one of serial, model, firmware'),
  },
  // Something nobody documented plugged into a spare outlet: the outlet is switched on and draws `watts`
  // (through the PDU inlet, the UPS and the facility totals like any other load).
  undocumented_load: {
    targets: ['pdu'],
    params: z.strictObject({ outlet: outletNumber, watts: z.number().positive().max(2000) }),
  },
  // An outlet switched off (as over the PDU's own switching), by number or by the server it feeds; on a rack,
  // on both PDUs: a documented server that draws nothing.
  outlet_off: {
    targets: ['pdu', 'rack'],
    params: z.strictObject({ outlet: outletNumber.optional(), server: z.string().min(1).max(128).optional() })
      .refine((p) => (p.outlet === undefined) !== (p.server === undefined), 'give exactly one of outlet, server'),
  },
  crac_failure: { targets: ['crac'], params: noParams },
  sensor_stuck: { targets: ['rack', 'sensor'], params: noParams },
  sensor_noisy: { targets: ['rack', 'sensor'], params: z.strictObject({ amplitudeC: z.number().positive().max(20).default(3) }) },
  sensor_silent: { targets: ['rack', 'sensor'], params: noParams },
  device_silent: { targets: ['ups', 'pdu', 'crac', 'meter', 'rack', 'sensor'], params: noParams, protocols: ['snmp', 'modbus', 'mqtt'] },
  // Request/response interfaces only: a publishing MQTT sensor has no request to answer late.
  device_slow: {
    targets: ['ups', 'pdu', 'crac', 'meter'],
    params: z.strictObject({ delayMs: z.number().int().min(1).max(600_000).default(3000) }),
    protocols: ['snmp', 'modbus'],
  },
  modbus_exception: {
    targets: ['ups', 'crac', 'meter'],
    // 4 = Server Device Failure, the code a gateway returns when the device behind it fails.
    params: z.strictObject({ code: z.number().int().min(1).max(255).default(4) }),
    protocols: ['modbus'],
  },
  snmp_no_such_instance: {
    targets: ['ups', 'pdu'],
    params: z.strictObject({ oid: z.string().regex(/^\.?\d+(\.\d+)*$/, 'a numeric OID').optional() }),
    protocols: ['snmp'],
  },
  mqtt_malformed: { targets: ['rack', 'sensor'], params: z.strictObject({ variant: z.enum(['truncated', 'not_json', 'wrong_types']).default('truncated') }), protocols: ['mqtt'] },
};

export const FAULT_KINDS = Object.keys(FAULT_RULES) as FaultKind[];

export type FaultErrorCode = 'invalid_kind' | 'invalid_target' | 'invalid_params' | 'unknown_target' | 'unknown_fault';

/** A fault that cannot be injected or cleared; `field` names the offending input (kind, target, params.outlet…). */
export class FaultError extends Error {
  constructor(readonly code: FaultErrorCode, message: string, readonly field?: string) {
    super(message);
    this.name = 'FaultError';
  }
}

export interface FaultInput {
  kind: string;
  target: string;
  params?: unknown;
}

/** A fault with its target resolved: `key` is the device id, or the rack id for rack/sensor targets. */
export interface ActiveFault {
  fault: Fault;
  targetType: FaultTargetType;
  key: string;
}

export interface FaultRegistryOptions {
  spec: SiteSpec;
  /** Simulated time (ms) stamped on new faults. */
  now: () => number;
}

export class FaultRegistry implements CommFaults {
  private readonly spec: SiteSpec;
  private readonly now: () => number;
  private readonly deviceKinds: Map<string, SimDeviceKind>;
  private readonly rackIds: Set<string>;
  private readonly sensorRack = new Map<string, string>();
  private readonly outletsPerPdu = new Map<string, number>();
  /** Rack of each PDU id and of each rack id. */
  private readonly rackOf = new Map<string, RackSpec>();
  private readonly active = new Map<string, ActiveFault>();
  private readonly listeners = new Set<() => void>();
  private nextNumber = 1;

  constructor(opts: FaultRegistryOptions) {
    this.spec = opts.spec;
    this.now = opts.now;
    this.deviceKinds = siteDeviceKinds(opts.spec);
    this.rackIds = new Set(opts.spec.racks.map((r) => r.id));
    for (const r of opts.spec.racks) {
      this.sensorRack.set(sensorIdOf(r.id), r.id);
      this.outletsPerPdu.set(pduIdOf(r.id, 'A'), r.outletsPerPdu);
      this.outletsPerPdu.set(pduIdOf(r.id, 'B'), r.outletsPerPdu);
      this.rackOf.set(r.id, r);
      this.rackOf.set(pduIdOf(r.id, 'A'), r);
      this.rackOf.set(pduIdOf(r.id, 'B'), r);
    }
  }

  /** Validate and add a fault; throws FaultError (invalid_* → a client mistake, unknown_target → no such device). */
  inject(input: FaultInput): Fault {
    const rule = (FAULT_RULES as Record<string, KindRule | undefined>)[input.kind];
    if (!rule) throw new FaultError('invalid_kind', `unknown fault kind '${input.kind}'; expected one of ${FAULT_KINDS.join(', ')}`, 'kind');
    const kind = input.kind as FaultKind;
    const resolved = this.resolveTarget(input.target);
    if (!resolved) throw new FaultError('unknown_target', `no simulated device or rack '${input.target}'`, 'target');
    if (!rule.targets.includes(resolved.type) || (resolved.type === 'meter' && kind === 'utility_failure' && !this.isUtilityMeter(input.target))) {
      const allowed = kind === 'utility_failure' ? `ups, '${SITE_TARGET}' or the utility meter` : rule.targets.join(' or ');
      throw new FaultError('invalid_target', `${kind} cannot target ${resolved.type} '${input.target}'; it applies to ${allowed}`, 'target');
    }
    const parsed = rule.params.safeParse(input.params ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = ['params', ...issue.path.map(String)].join('.');
      throw new FaultError('invalid_params', `${field}: ${issue.message}`, field);
    }
    const params = parsed.data;
    if (kind === 'outlet_overload' || kind === 'undocumented_load' || kind === 'outlet_off') this.checkOutlet(kind, input.target, params);
    const fault: Fault = Object.freeze({
      id: `f${this.nextNumber++}`,
      kind, target: input.target, params: Object.freeze({ ...params }), createdAtMs: this.now(),
    });
    // The utility meter stands for the site's utility supply; a sensor device for its rack.
    const entry: ActiveFault = kind === 'utility_failure' && resolved.type === 'meter'
      ? { fault, targetType: 'site', key: SITE_TARGET }
      : { fault, targetType: resolved.type === 'sensor' ? 'rack' : resolved.type, key: resolved.key };
    this.active.set(fault.id, entry);
    this.emit();
    return fault;
  }

  /** Remove a fault; the model returns to normal from its current state (with inertia). */
  clear(id: string): Fault {
    const entry = this.active.get(id);
    if (!entry) throw new FaultError('unknown_fault', `no active fault '${id}'`, 'id');
    this.active.delete(id);
    this.emit();
    return entry.fault;
  }

  get(id: string): Fault | undefined {
    return this.active.get(id)?.fault;
  }

  /** Active faults in injection order. */
  list(): Fault[] {
    return [...this.active.values()].map((e) => e.fault);
  }

  /** Active faults with resolved targets, for the physics model. */
  entries(): ActiveFault[] {
    return [...this.active.values()];
  }

  /**
   * The first active communication fault of a device (CommFaults). With `protocol`, only faults that change
   * answers in that protocol (a UPS speaks SNMP and Modbus; modbus_exception leaves its SNMP agent alone).
   * Sensor devices may be named by rack id or sensor id.
   */
  forDevice(deviceId: string, protocol?: FaultProtocol): Fault | undefined {
    const key = this.sensorRack.get(deviceId) ?? deviceId;
    for (const entry of this.active.values()) {
      const protocols = FAULT_RULES[entry.fault.kind].protocols;
      if (!protocols || entry.key !== key) continue;
      if (protocol && !protocols.includes(protocol)) continue;
      return entry.fault;
    }
    return undefined;
  }

  /** IdentityOverride (CommFaults): every active identity_changed of the device merged, the latest winning. */
  identityOf(deviceId: string): IdentityOverride | undefined {
    let merged: IdentityOverride | undefined;
    for (const entry of this.active.values()) {
      if (entry.fault.kind !== 'identity_changed' || entry.key !== deviceId) continue;
      merged = { ...merged, ...(entry.fault.params as IdentityOverride) };
    }
    return merged;
  }

  /**
   * What the rack's sensor does: silent (stops publishing) wins over stuck (frozen values) over noisy.
   * The physics applies stuck/noisy to the published values; the MQTT adapter stops on silent.
   */
  sensorMode(rackOrSensorId: string): SensorMode {
    const key = this.sensorRack.get(rackOrSensorId) ?? rackOrSensorId;
    let mode: SensorMode = 'normal';
    for (const entry of this.active.values()) {
      if (entry.key !== key) continue;
      const k = entry.fault.kind;
      if (k === 'sensor_silent') return 'silent';
      if (k === 'sensor_stuck') mode = 'stuck';
      else if (k === 'sensor_noisy' && mode === 'normal') mode = 'noisy';
    }
    return mode;
  }

  /** Called after every inject/clear (the model re-evaluates the current instant). */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The type of a target id, or undefined when the site has no such device. */
  resolveTarget(target: string): { type: FaultTargetType; key: string } | undefined {
    if (typeof target !== 'string' || target === '') return undefined;
    if (target === SITE_TARGET) return { type: 'site', key: SITE_TARGET };
    if (this.rackIds.has(target)) return { type: 'rack', key: target };
    const kind = this.deviceKinds.get(target);
    if (!kind) return undefined;
    if (kind === 'sensor') return { type: 'sensor', key: this.sensorRack.get(target)! };
    return { type: kind, key: target };
  }

  /** Outlet params exist on the target: a number within the PDU, a server of the rack, a spare outlet for a new load. */
  private checkOutlet(kind: FaultKind, target: string, params: Record<string, unknown>): void {
    const rack = this.rackOf.get(target);
    if (!rack) return;
    const layout = rackServerLayout(rack);
    const outlet = params.outlet as number | undefined;
    if (outlet !== undefined && outlet > rack.outletsPerPdu) {
      throw new FaultError('invalid_params', `params.outlet: ${target} has outlets 1..${rack.outletsPerPdu}`, 'params.outlet');
    }
    if (kind === 'undocumented_load' && outlet !== undefined && outlet <= layout.serverCount) {
      const spare = layout.spareOutlets.length ? `spare outlets are ${layout.spareOutlets[0]}..${layout.spareOutlets.at(-1)}` : 'it has no spare outlet';
      throw new FaultError('invalid_params', `params.outlet: outlet ${outlet} of ${target} feeds ${layout.servers[outlet - 1].name}; ${spare}`, 'params.outlet');
    }
    const server = params.server as string | undefined;
    if (server !== undefined && !layout.servers.some((s) => s.name === server)) {
      const names = layout.servers.map((s) => s.name);
      throw new FaultError('invalid_params', `params.server: rack ${rack.id} has no server '${server}' (${names[0]}..${names.at(-1)})`, 'params.server');
    }
  }

  private isUtilityMeter(id: string): boolean {
    return this.spec.meters.some((m) => m.id === id && m.kind === 'utility');
  }

  private emit(): void {
    for (const listener of this.listeners) listener();
  }
}

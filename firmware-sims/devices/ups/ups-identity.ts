/**
 * What a UPS says about itself (nameplate, firmware, nominal ratings), shared by its SNMP and Modbus
 * faces so both report the same device.
 */
import { LOW_BATTERY_MINUTES } from '../../physics/ups-power.ts';
import type { IdentityOverride, SimContext } from '../../site/types.ts';

export interface UpsIdentity {
  manufacturer: string;
  /** Model name; Modbus holds 32 characters, upsIdentModel 63. */
  model: string;
  /** UPS firmware (upsIdentUPSSoftwareVersion, Modbus 516..523). */
  firmware: string;
  /** Network management card software (upsIdentAgentSoftwareVersion). */
  agentVersion: string;
  /** Serial number (Modbus 564..571, 16 characters). */
  serial: string;
  attachedDevices: string;
  nominalVoltageV: number;
  nominalFrequencyHz: number;
  /** upsConfigLowBattTime: runtime (min) at which the UPS declares battery low. */
  lowBatteryTimeMin: number;
  /** Manufacture date (YYYY-MM-DD), Modbus 591 as days since 2000-01-01. */
  manufactureDate: string;
}

/** Stable per-id serial number, e.g. `KS2407001234` (same id, same serial, on every run). */
export function serialForId(id: string): string {
  let h = 2166136261;
  for (const ch of id) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  return `KS24${String(h % 100_000_000).padStart(8, '0')}`;
}

export function defaultUpsIdentity(upsId: string, ratedVA: number, overrides: Partial<UpsIdentity> = {}): UpsIdentity {
  const kva = Math.max(1, Math.round(ratedVA / 1000));
  return {
    manufacturer: 'Kiban Simulated Power',
    model: `KSP-${kva}K Online UPS`,
    firmware: 'UPS 2.4.1',
    agentVersion: 'kiban-sim NMC 0.1.0',
    serial: serialForId(upsId),
    attachedDevices: 'IT load',
    nominalVoltageV: 230,
    nominalFrequencyHz: 50,
    // The runtime at which the physics reports batteryLow (physics/ups-power.ts LOW_BATTERY_MINUTES).
    lowBatteryTimeMin: LOW_BATTERY_MINUTES,
    manufactureDate: '2024-07-01',
    ...overrides,
  };
}

/** The identity the UPS reports now: its nameplate, or the swapped unit's while an identity_changed fault lasts. */
export function reportedUpsIdentity(identity: UpsIdentity, override: IdentityOverride | undefined): UpsIdentity {
  return override ? { ...identity, ...override } : identity;
}

/** `reportedUpsIdentity` of one UPS of the site, re-read from the faults on every call. */
export function upsIdentitySource(ctx: Pick<SimContext, 'faults'>, upsId: string, identity: UpsIdentity): () => UpsIdentity {
  return () => reportedUpsIdentity(identity, ctx.faults.identityOf?.(upsId));
}

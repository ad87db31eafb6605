/**
 * How a device's communication faults (site/types.ts `CommFaults`) change what an SNMP agent does
 * with each request. Shared by every simulated SNMP device (UPS, PDUs).
 */
import type { CommFaults, Fault } from '../../site/types.ts';
import type { SnmpInstanceOverride, SnmpRequestGate } from './agent.ts';

/** Default answer delay of `device_slow` when the fault gives no `delayMs`. */
export const DEFAULT_SLOW_DELAY_MS = 3000;

export function faultDelayMs(fault: Fault): number {
  const delay = Number(fault.params.delayMs);
  return Number.isFinite(delay) && delay >= 0 ? delay : DEFAULT_SLOW_DELAY_MS;
}

/**
 * device_silent: the datagram is dropped (no answer at all, not even to v3 discovery);
 * device_slow {delayMs}: the request is processed after the delay, with the values current then.
 * `beforeDeliver` runs right before net-snmp processes the request (e.g. to sync the MIB).
 */
export function snmpGateForDevice(faults: CommFaults, deviceId: string, beforeDeliver?: () => void): SnmpRequestGate {
  return (deliver) => {
    const fault = faults.forDevice(deviceId, 'snmp');
    const run = () => { beforeDeliver?.(); deliver(); };
    if (fault?.kind === 'device_silent') return;
    if (fault?.kind === 'device_slow') { setTimeout(run, faultDelayMs(fault)); return; }
    run();
  };
}

/**
 * snmp_no_such_instance: every requested instance (or only those under `params.oid`, or `params.oids`, a
 * list of OID prefixes) is answered with the noSuchInstance exception value, as agents do when the subagent that
 * owns the object has lost its data.
 */
/** `subtrees`: what the fault blanks when it names no OID — the device's own MIB (MIB-II keeps answering, as
 * on agents whose device subagent died); empty = everything. */
export function snmpNoSuchInstanceOverride(faults: CommFaults, deviceId: string, subtrees: string[] = []): SnmpInstanceOverride {
  return (instanceOid) => {
    const fault = faults.forDevice(deviceId, 'snmp');
    if (fault?.kind !== 'snmp_no_such_instance') return undefined;
    // The control API validates `params.oid` (one numeric OID, faults/registry.ts); this used to read only
    // `params.oids`, so a fault narrowed to one object blanked the whole agent. Both forms are accepted.
    const prefixes = typeof fault.params.oid === 'string' ? [fault.params.oid]
      : Array.isArray(fault.params.oids) ? (fault.params.oids as unknown[]).map(String) : undefined;
    if (!prefixes && subtrees.length === 0) return 'noSuchInstance';
    const blanked = prefixes ?? subtrees;
    return blanked.some((p) => instanceOid === p || instanceOid.startsWith(`${p.replace(/^\./, '')}.`)) ? 'noSuchInstance' : undefined;
  };
}

/**
 * SNMP notifications → events, as data: a profile's `traps:` list says which snmpTrapOID.0 means what
 * (name, severity, message template), which varbinds to keep as attributes and which points the trap
 * updates at once. Pure functions, no sockets: the receiver (trap-receiver.ts) feeds them.
 */
import type { EVENT_SEVERITIES } from '../../../server/contracts/ingest.ts';
import type { SnmpTrapDefinition } from './profile-schema.ts';

export type EventSeverity = (typeof EVENT_SEVERITIES)[number];

/** A varbind as net-snmp decodes it (value: number, string, Buffer, bigint, null). */
export interface TrapVarbind { oid: string; type?: number; value: unknown }

export interface DecodedTrapEvent {
  name: string;
  severity: EventSeverity;
  message: string;
  attributes: Record<string, unknown>;
  /** Point updates the trap implies, by profile metric. */
  setPoints: Array<{ metric: string; value: number }>;
}

export interface TrapContext {
  device: string;
  /** Sender address (agent-addr of a v1 trap, else the UDP source). */
  agent: string;
  /** snmp version of the notification: v1, v2c or v3. */
  version: 'v1' | 'v2c' | 'v3';
}

export const SYS_UPTIME_OID = '1.3.6.1.2.1.1.3.0';
export const SNMP_TRAP_OID = '1.3.6.1.6.3.1.1.4.1.0';
export const SNMP_TRAP_ENTERPRISE_OID = '1.3.6.1.6.3.1.1.4.3.0';
/** Varbinds every notification carries; not listed among an unknown trap's varbinds. */
const FRAME_OIDS = new Set([SYS_UPTIME_OID, SNMP_TRAP_OID, SNMP_TRAP_ENTERPRISE_OID]);

/** SNMPv2-MIB generic notifications (snmpTraps, 1.3.6.1.6.3.1.1.5), known for every device. */
export const GENERIC_TRAPS: SnmpTrapDefinition[] = [
  { oid: '1.3.6.1.6.3.1.1.5.1', name: 'snmp.cold_start', severity: 'info', message: '{device}: SNMP agent restarted (cold start)' },
  { oid: '1.3.6.1.6.3.1.1.5.2', name: 'snmp.warm_start', severity: 'info', message: '{device}: SNMP agent re-initialised (warm start)' },
  { oid: '1.3.6.1.6.3.1.1.5.3', name: 'snmp.link_down', severity: 'warning', message: '{device}: a network link went down' },
  { oid: '1.3.6.1.6.3.1.1.5.4', name: 'snmp.link_up', severity: 'cleared', message: '{device}: a network link came up' },
  { oid: '1.3.6.1.6.3.1.1.5.5', name: 'snmp.auth_failure', severity: 'warning', message: '{device}: SNMP authentication failure at the agent' },
];

const MAX_STRING = 256;
const MAX_UNKNOWN_VARBINDS = 32;

/** A varbind value as JSON: numbers stay numbers, printable octet strings become text, others hex. */
export function varbindValue(value: unknown): string | number | boolean | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'bigint') return Number(value);
  if (Buffer.isBuffer(value)) {
    const text = value.toString('utf8');
    // eslint-disable-next-line no-control-regex
    const printable = !/[\u0000-\u0008\u000e-\u001f\u007f\ufffd]/.test(text);
    return (printable ? text : value.toString('hex')).slice(0, MAX_STRING);
  }
  return String(value).slice(0, MAX_STRING);
}

function numeric(raw: string | number | boolean | null): number | undefined {
  if (typeof raw === 'number' && Number.isFinite(raw)) return raw;
  if (typeof raw === 'string' && /^-?\d+(\.\d+)?$/.test(raw)) return Number(raw);
  return undefined;
}

/** Round away binary noise from scaling (184 × 0.1 = 18.400000000000002). */
const tidy = (x: number) => Number(x.toPrecision(12));

/** The event a notification means for a device with this trap map (unknown OIDs → snmp.trap.unknown). */
export function decodeTrap(traps: readonly SnmpTrapDefinition[] | undefined, trapOid: string, varbinds: readonly TrapVarbind[], ctx: TrapContext): DecodedTrapEvent {
  const oid = trapOid.replace(/^\./, '');
  const def = traps?.find((t) => t.oid === oid) ?? GENERIC_TRAPS.find((t) => t.oid === oid);
  const base: Record<string, unknown> = { trapOid: oid, agent: ctx.agent, snmpVersion: ctx.version };
  const uptime = varbinds.find((v) => v.oid === SYS_UPTIME_OID);
  if (uptime && typeof uptime.value === 'number') base.agentUptimeS = uptime.value / 100;

  if (!def) {
    const listed = varbinds.filter((v) => !FRAME_OIDS.has(v.oid));
    return {
      name: 'snmp.trap.unknown',
      severity: 'info',
      message: `${ctx.device}: notification ${oid} is not in the device's profile`,
      attributes: {
        ...base,
        varbinds: listed.slice(0, MAX_UNKNOWN_VARBINDS).map((v) => ({ oid: v.oid, value: varbindValue(v.value) })),
        ...(listed.length > MAX_UNKNOWN_VARBINDS ? { varbindsOmitted: listed.length - MAX_UNKNOWN_VARBINDS } : {}),
      },
      setPoints: [],
    };
  }

  // Named values: the label when the varbind has states, else the (scaled) number or the text.
  const values: Record<string, string | number | boolean | null> = {};
  const numbers: Record<string, number | undefined> = {};
  for (const vb of def.varbinds ?? []) {
    const found = varbinds.find((v) => v.oid === vb.oid || v.oid.startsWith(`${vb.oid}.`));
    if (!found) continue;
    const raw = varbindValue(found.value);
    const label = raw !== null && vb.states ? vb.states[String(raw).replace(/^\./, '')] : undefined;
    let num = numeric(raw);
    if (num !== undefined && vb.scale !== undefined) num = tidy(num * vb.scale);
    if (num !== undefined && vb.divisor !== undefined) num = tidy(num / vb.divisor);
    numbers[vb.name] = num;
    values[vb.name] = label ?? (num !== undefined && typeof raw !== 'string' ? num : raw);
    if (label !== undefined) values[`${vb.name}Raw`] = raw;
  }

  const fill = (name: string): string => {
    if (name === 'device') return ctx.device;
    if (name === 'trapOid') return oid;
    if (name === 'agent') return ctx.agent;
    const v = values[name];
    return v === undefined || v === null ? '?' : String(v);
  };
  const message = def.message.replace(/\{([A-Za-z0-9_]+)\}/g, (_whole, name: string) => fill(name)).slice(0, 1024);

  const setPoints: DecodedTrapEvent['setPoints'] = [];
  for (const s of def.setPoints ?? []) {
    if (s.when && values[s.when.varbind] !== s.when.equals && numbers[s.when.varbind] !== s.when.equals) continue;
    const value = s.value ?? (s.varbind ? numbers[s.varbind] : undefined);
    if (value !== undefined && Number.isFinite(value)) setPoints.push({ metric: s.metric, value });
  }
  const by = def.severityBy ? values[def.severityBy.varbind] : undefined;
  const severity = (by !== undefined && by !== null ? def.severityBy?.values[String(by)] : undefined) ?? def.severity;
  return { name: def.name, severity, message, attributes: { ...base, ...values }, setPoints };
}

/**
 * snmpTrapOID of an SNMPv1 Trap-PDU (RFC 3584 §3.1): generic 0–5 → snmpTraps.(generic+1); enterprise
 * specific (6) → `<enterprise>.0.<specific>`.
 */
export function v1TrapOid(enterprise: string, generic: number, specific: number): string {
  if (generic >= 0 && generic <= 5) return `1.3.6.1.6.3.1.1.5.${generic + 1}`;
  return `${enterprise.replace(/^\./, '')}.0.${specific}`;
}

/**
 * Configuration audit: what the CMDB documents against what the collectors discover. Pure: the caller reads
 * the CIs, the outlet links (powered_by relations with a PDU outlet as port), the collector devices with the
 * identity they reported, and the latest outlet powers; this module lists the discrepancies for a person to
 * review. Nothing here changes either side: reality may be right (a unit was swapped, the CMDB is stale) or
 * the documentation may be (someone plugged in what they should not have).
 *
 * Rules (each discrepancy names the CI, the device and/or the outlet, and both values):
 * - serial_mismatch (high): the CI's serial and the serial a device of it reports differ, ignoring case and
 *   blanks. Only where both sides know a serial.
 * - model_mismatch (medium): the CI's model and the reported model differ (same normalisation; a leading
 *   vendor name on either side is ignored). Only where both sides know a model.
 * - firmware_changed (low): the CI documents a firmware (`attributes.firmware`) and the device reports
 *   another. CIs that document none are not judged.
 * - outlet_count_mismatch (medium): a PDU CI's `attributes.outletCount` (else the count given with its
 *   device) and the outlet count the PDU reports differ.
 * - undocumented_load (high): a PDU outlet draws more than loadThresholdW (default 20 W) and no CI that
 *   should draw power (active, installed, maintenance) is documented on it.
 * - documented_idle (medium): an active or installed CI documented on PDU outlets whose outlets together draw
 *   less than idleThresholdW (default 5 W). All its outlets must have a reading: a server with PSUs on outlet
 *   N of PDU A and of PDU B is idle only if both draw nothing.
 * - undocumented_device (medium): a device the collectors report that no CI names (Kiban's own collectors,
 *   kind `collector`, are registered elsewhere and left out).
 * - device_not_reporting (medium): an active, installed or in-maintenance CI names a device the collectors do
 *   not know, or one that has never reported or not for staleAfterMs.
 */
import { z } from 'zod';

export interface AuditCi {
  key: string; type: string; name: string; status: string;
  serial?: string | null; vendor?: string | null; model?: string | null;
  /** The collector device that monitors this CI. */
  device?: string | null;
  /** Every collector device of the CI (e.g. a UPS's SNMP agent and Modbus card); `device` is one of them or alone. */
  devices?: string[] | null;
  attributes: Record<string, unknown>;
}

/** A CI documented as powered by outlet N of a PDU. */
export interface AuditOutletLink { pduKey: string; pduDevice: string | null; outlet: number; ciKey: string; ciStatus: string }

export interface AuditDevice {
  name: string; kind: string; vendor?: string | null; model?: string | null;
  identity?: Record<string, string | number> | null;
  /** When the device last reported: null = never; undefined = not known (not judged). */
  lastSeen?: Date | null;
}

export interface AuditInput {
  cis: AuditCi[];
  outletLinks: AuditOutletLink[];
  devices: AuditDevice[];
  /** latest outlet active power, W, by PDU device name and outlet number */
  outletPowerW: Map<string, Map<number, number>>;
  /** PDU CIs and their collector devices; `outletCount` is the documented count when the CI's attributes lack one (e.g. from its model). */
  pduDevices: Array<{ pduKey: string; device: string; outletCount?: number }>;
}

export const DISCREPANCY_KINDS = [
  'serial_mismatch', 'model_mismatch', 'firmware_changed', 'outlet_count_mismatch',
  'undocumented_load', 'documented_idle', 'undocumented_device', 'device_not_reporting',
] as const;
export type DiscrepancyKind = (typeof DISCREPANCY_KINDS)[number];
export const DISCREPANCY_SEVERITIES = ['high', 'medium', 'low'] as const;
export type DiscrepancySeverity = (typeof DISCREPANCY_SEVERITIES)[number];

export interface Discrepancy {
  kind: DiscrepancyKind;
  severity: DiscrepancySeverity;
  ci?: string;
  device?: string;
  field?: string;
  documented?: string | number | null;
  discovered?: string | number | null;
  message: string;
}

/** The same shape as a zod schema, for routes that return discrepancies. */
export const discrepancySchema = z.object({
  kind: z.enum(DISCREPANCY_KINDS),
  severity: z.enum(DISCREPANCY_SEVERITIES),
  ci: z.string().optional(),
  device: z.string().optional(),
  field: z.string().optional(),
  documented: z.union([z.string(), z.number()]).nullable().optional(),
  discovered: z.union([z.string(), z.number()]).nullable().optional(),
  message: z.string(),
});

export interface AuditOptions {
  /** A documented CI whose outlets together draw less than this is idle (W, default 5). */
  idleThresholdW?: number;
  /** An outlet drawing more than this with nobody documented on it is an undocumented load (W, default 20). */
  loadThresholdW?: number;
  /** A device silent for longer than this is not reporting (ms, default 15 min); needs `lastSeen`. */
  staleAfterMs?: number;
  /** The audit's "now" (default: the current time). */
  now?: Date;
}

export const AUDIT_DEFAULTS = { idleThresholdW: 5, loadThresholdW: 20, staleAfterMs: 15 * 60_000 } as const;

// ---------------------------------------------------------------- outlet power points

/**
 * Metric of a PDU outlet's active power as the collector's PDU profiles name it (Raritan PX2/PX3
 * `raritan-px2`, ServerTech Sentry4 `servertech-sentry4`, both from their outlet table rows:
 * `outlet.{outlet}.power`, unit W, role `pdu.outlet.power`), e.g. `outlet.7.power`.
 */
export const OUTLET_POWER_METRIC_PATTERN = /^outlet\.([1-9][0-9]{0,3})\.power$/;
/** The same pattern for PostgreSQL's `~` operator (`where p.metric ~ $1`). */
export const OUTLET_POWER_METRIC_SQL_REGEX = '^outlet\\.[1-9][0-9]{0,3}\\.power$';
/** The role the profiles give those points. */
export const OUTLET_POWER_ROLE = 'pdu.outlet.power';

/** Outlet number of an outlet power metric (`outlet.7.power` → 7); undefined for any other metric. */
export function outletOfMetric(metric: string): number | undefined {
  const m = OUTLET_POWER_METRIC_PATTERN.exec(metric);
  return m ? Number(m[1]) : undefined;
}

// ---------------------------------------------------------------- the audit

/** CI statuses that mean "this should be running and drawing power". */
const LIVE_STATUSES = new Set(['active', 'installed', 'maintenance']);
/** CI statuses whose documented outlets are expected to draw power (maintenance may be switched off). */
const SHOULD_DRAW_STATUSES = new Set(['active', 'installed']);
const SEVERITY_ORDER: Record<DiscrepancySeverity, number> = { high: 0, medium: 1, low: 2 };

/** Serials and models compared as a person would: case and blanks ignored. */
function normalized(value: string): string {
  return value.replace(/\s+/g, '').toUpperCase();
}

function known(value: string | number | null | undefined): value is string | number {
  return value !== undefined && value !== null && String(value).trim() !== '';
}

function quoted(value: string | number | null | undefined): string {
  return value === undefined || value === null ? 'nothing' : typeof value === 'number' ? String(value) : `'${value}'`;
}

function watts(w: number): string {
  return `${Math.round(w * 10) / 10} W`;
}

function sameModel(documented: string, discovered: string, vendor: string | null | undefined): boolean {
  const a = normalized(documented);
  const b = normalized(discovered);
  if (a === b) return true;
  const v = vendor ? normalized(vendor) : '';
  return v !== '' && (a.startsWith(v) ? a.slice(v.length) : a) === (b.startsWith(v) ? b.slice(v.length) : b);
}

/** Every discrepancy between `input`'s CMDB side and its discovered side, most severe first. */
export function auditConfiguration(input: AuditInput, opts: AuditOptions = {}): Discrepancy[] {
  const idleThresholdW = opts.idleThresholdW ?? AUDIT_DEFAULTS.idleThresholdW;
  const loadThresholdW = opts.loadThresholdW ?? AUDIT_DEFAULTS.loadThresholdW;
  const staleAfterMs = opts.staleAfterMs ?? AUDIT_DEFAULTS.staleAfterMs;
  const nowMs = (opts.now ?? new Date()).getTime();
  const out: Discrepancy[] = [];

  const devices = new Map(input.devices.map((d) => [d.name, d]));
  const cis = new Map(input.cis.map((c) => [c.key, c]));
  const label = (ci: AuditCi) => (ci.name && ci.name !== ci.key ? `${ci.key} (${ci.name})` : ci.key);
  const pduByKey = new Map(input.pduDevices.map((p) => [p.pduKey, p]));
  const devicesOf = (ci: AuditCi): string[] => [...new Set([
    ...(ci.device ? [ci.device] : []), ...(ci.devices ?? []), ...input.pduDevices.filter((p) => p.pduKey === ci.key).map((p) => p.device),
  ])];
  const pduDeviceOf = (link: AuditOutletLink) => link.pduDevice ?? pduByKey.get(link.pduKey)?.device ?? null;

  // --- identity: serial, model, firmware, outlet count
  for (const ci of input.cis) {
    for (const name of devicesOf(ci)) {
      const identity = devices.get(name)?.identity;
      if (!identity) continue;
      const where = `CI ${label(ci)}: device ${name}`;
      if (known(ci.serial) && known(identity.serial) && normalized(ci.serial) !== normalized(String(identity.serial))) {
        out.push({
          kind: 'serial_mismatch', severity: 'high', ci: ci.key, device: name, field: 'serial', documented: ci.serial, discovered: identity.serial,
          message: `${where} reports serial ${quoted(identity.serial)}, the CMDB documents ${quoted(ci.serial)}: a swapped unit, or a wrong record`,
        });
      }
      if (known(ci.model) && known(identity.model) && !sameModel(ci.model, String(identity.model), ci.vendor)) {
        out.push({
          kind: 'model_mismatch', severity: 'medium', ci: ci.key, device: name, field: 'model', documented: ci.model, discovered: identity.model,
          message: `${where} reports model ${quoted(identity.model)}, the CMDB documents ${quoted(ci.model)}`,
        });
      }
      const firmware = ci.attributes.firmware;
      if (typeof firmware === 'string' && known(firmware) && known(identity.firmware) && firmware.trim() !== String(identity.firmware).trim()) {
        out.push({
          kind: 'firmware_changed', severity: 'low', ci: ci.key, device: name, field: 'firmware', documented: firmware, discovered: identity.firmware,
          message: `${where} runs firmware ${quoted(identity.firmware)}, the CMDB documents ${quoted(firmware)}`,
        });
      }
      if (ci.type === 'pdu' && typeof identity.outletCount === 'number') {
        const attr = ci.attributes.outletCount;
        const documented = typeof attr === 'number' ? attr : input.pduDevices.find((p) => p.pduKey === ci.key && p.device === name && p.outletCount !== undefined)?.outletCount;
        if (documented !== undefined && documented !== identity.outletCount) {
          out.push({
            kind: 'outlet_count_mismatch', severity: 'medium', ci: ci.key, device: name, field: 'outletCount', documented, discovered: identity.outletCount,
            message: `${where} has ${identity.outletCount} outlets, the CMDB documents ${documented}`,
          });
        }
      }
    }
  }

  // --- outlets: what draws power against who is documented on it
  const onOutlet = new Map<string, AuditOutletLink[]>();
  const outletsOfCi = new Map<string, Array<{ device: string | null; outlet: number; pduKey: string }>>();
  for (const link of input.outletLinks) {
    const device = pduDeviceOf(link);
    if (device) {
      const k = `${device}\u0000${link.outlet}`;
      onOutlet.set(k, [...(onOutlet.get(k) ?? []), link]);
    }
    outletsOfCi.set(link.ciKey, [...(outletsOfCi.get(link.ciKey) ?? []), { device, outlet: link.outlet, pduKey: link.pduKey }]);
  }
  /** PDU device → its CI key, for every PDU the CMDB documents. */
  const documentedPdus = new Map<string, string>();
  for (const link of input.outletLinks) {
    const device = pduDeviceOf(link);
    if (device) documentedPdus.set(device, link.pduKey);
  }
  for (const ci of input.cis) if (ci.type === 'pdu') for (const device of devicesOf(ci)) documentedPdus.set(device, ci.key);
  for (const p of input.pduDevices) documentedPdus.set(p.device, p.pduKey);
  for (const [pduDevice, outlets] of input.outletPowerW) {
    // A PDU nobody documented is itself the finding (undocumented_device); its outlets are not judged one by one.
    const pduKey = documentedPdus.get(pduDevice);
    if (pduKey === undefined) continue;
    for (const [outlet, w] of [...outlets].sort((a, b) => a[0] - b[0])) {
      if (!(w > loadThresholdW)) continue;
      const links = onOutlet.get(`${pduDevice}\u0000${outlet}`) ?? [];
      if (links.some((l) => LIVE_STATUSES.has(cis.get(l.ciKey)?.status ?? l.ciStatus))) continue;
      const others = links.map((l) => `${l.ciKey} (${cis.get(l.ciKey)?.status ?? l.ciStatus})`);
      out.push({
        kind: 'undocumented_load', severity: 'high', ci: pduKey, device: pduDevice, field: `outlet ${outlet}`,
        documented: others.length ? others.join(', ') : null, discovered: Math.round(w * 10) / 10,
        message: `outlet ${outlet} of PDU ${pduDevice}${pduKey !== pduDevice ? ` (CI ${pduKey})` : ''} draws ${watts(w)}, `
          + (others.length ? `but only ${others.join(', ')} is documented on it` : 'but no CI is documented on it'),
      });
    }
  }
  for (const [ciKey, outlets] of outletsOfCi) {
    const ci = cis.get(ciKey);
    const status = ci?.status ?? input.outletLinks.find((l) => l.ciKey === ciKey)!.ciStatus;
    if (!SHOULD_DRAW_STATUSES.has(status)) continue;
    const readings = outlets.map((o) => (o.device ? input.outletPowerW.get(o.device)?.get(o.outlet) : undefined));
    // Unknown outlets (no PDU reading) might be the ones drawing: not idle on what we cannot see.
    if (readings.some((w) => w === undefined)) continue;
    const total = (readings as number[]).reduce((sum, w) => sum + Math.max(0, w), 0);
    if (total >= idleThresholdW) continue;
    const where = outlets.map((o) => `outlet ${o.outlet} of ${o.device ?? o.pduKey}`).join(' and ');
    out.push({
      kind: 'documented_idle', severity: 'medium', ci: ciKey, ...(outlets.length === 1 && outlets[0].device ? { device: outlets[0].device } : {}),
      field: 'power', documented: status, discovered: Math.round(total * 10) / 10,
      message: `CI ${ci ? label(ci) : ciKey} is ${status} on ${where}, which draw${outlets.length === 1 ? 's' : ''} ${watts(total)} together: switched off, removed, or a wrong outlet record`,
    });
  }

  // --- devices against CIs
  const named = new Set<string>([...input.cis.flatMap(devicesOf), ...input.pduDevices.map((p) => p.device)]);
  for (const d of input.devices) {
    if (named.has(d.name) || d.kind === 'collector') continue;
    const what = [d.kind, d.vendor, d.model ?? d.identity?.model].filter(known).join(' ');
    out.push({
      kind: 'undocumented_device', severity: 'medium', device: d.name, documented: null, discovered: d.name,
      message: `device ${d.name} (${what}) reports to Kiban, but no CI names it`,
    });
  }
  for (const ci of input.cis) {
    if (!LIVE_STATUSES.has(ci.status)) continue;
    for (const name of devicesOf(ci)) {
      const d = devices.get(name);
      const silentMs = d?.lastSeen ? nowMs - d.lastSeen.getTime() : undefined;
      const problem = !d ? 'is not known to any collector'
        : d.lastSeen === null ? 'has never reported'
        : silentMs !== undefined && silentMs > staleAfterMs ? `has not reported since ${d.lastSeen!.toISOString()}`
        : undefined;
      if (!problem) continue;
      out.push({
        kind: 'device_not_reporting', severity: 'medium', ci: ci.key, device: name, documented: name,
        discovered: d?.lastSeen ? d.lastSeen.toISOString() : null,
        message: `CI ${label(ci)} is ${ci.status} and monitored by device ${name}, which ${problem}`,
      });
    }
  }

  return out.sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]
    || DISCREPANCY_KINDS.indexOf(a.kind) - DISCREPANCY_KINDS.indexOf(b.kind)
    || (a.ci ?? '').localeCompare(b.ci ?? '') || (a.device ?? '').localeCompare(b.device ?? '') || (a.field ?? '').localeCompare(b.field ?? '', undefined, { numeric: true }));
}

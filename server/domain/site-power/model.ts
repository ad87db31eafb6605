/**
 * The site's power graph indexed for the chain and the summary: CIs by key, who powers whom, which meter
 * watches what, which points measure each CI, and what the latest readings say (a reading counts when it has
 * a value, is not a comm_loss and is younger than the stale limit).
 */
import type { Coverage, PowerCi, PowerPoint, Reading, ReadingJson, SitePowerInputs, UpsPoints } from './types.ts';

/** W per unit of a power point; undefined for units that are not active power. */
export function wattsPerUnit(unit: string): number | undefined {
  switch (unit) {
    case 'W': return 1;
    case 'kW': return 1e3;
    case 'MW': return 1e6;
    default: return undefined;
  }
}

const finite = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

export class SitePowerModel {
  readonly cis = new Map<string, PowerCi>();
  /** consumer key → powered_by relations (its suppliers). */
  readonly suppliers = new Map<string, Array<{ to: string; feed: string | null }>>();
  /** monitored CI key → meter CI keys. */
  readonly meters = new Map<string, string[]>();
  readonly children = new Map<string, string[]>();
  private readonly pointsByDevice = new Map<string, PowerPoint[]>();
  private readonly pointByKey = new Map<string, PowerPoint>();
  /** Every point a figure was built from, for the readings the API hands over. */
  readonly used = new Set<string>();

  constructor(readonly inputs: SitePowerInputs) {
    for (const ci of inputs.cis) {
      this.cis.set(ci.key, ci);
      if (ci.parentKey) push(this.children, ci.parentKey, ci.key);
    }
    for (const r of inputs.relations) {
      if (r.kind === 'powered_by') push(this.suppliers, r.from, { to: r.to, feed: r.feed });
      else if (this.cis.get(r.to)?.type === 'meter') push(this.meters, r.from, r.to);
    }
    for (const p of inputs.points) {
      push(this.pointsByDevice, p.device, p);
      this.pointByKey.set(p.key, p);
    }
  }

  ofType(...types: string[]): PowerCi[] {
    return this.inputs.cis.filter((c) => types.includes(c.type));
  }

  attr(ci: PowerCi, name: string): number | null {
    return finite(ci.attributes[name]);
  }

  /** Points with `role` of the CI's first device that has any (a UPS's SNMP and Modbus cards report alike). */
  rolePoints(ci: PowerCi, role: string): PowerPoint[] {
    for (const device of ci.devices) {
      const found = (this.pointsByDevice.get(device) ?? []).filter((p) => p.role === role);
      if (found.length > 0) return found;
    }
    return [];
  }

  /** Active power points of the meters watching the CI (monitored_by). */
  meterPointsOf(ciKey: string): string[] {
    return (this.meters.get(ciKey) ?? []).flatMap((m) => this.meterPowerPoints(m));
  }

  /** Active power points of one meter CI. */
  meterPowerPoints(meterKey: string): string[] {
    const meter = this.cis.get(meterKey);
    return meter ? this.rolePoints(meter, 'meter.active_power').map((p) => p.key) : [];
  }

  reading(key: string): Reading | undefined {
    return this.inputs.readings.get(key);
  }

  /**
   * The present value of a point, or null when it has none (never reported, stale, or lost for longer than
   * the hold time: a lost poll keeps the last value for `holdMs`).
   */
  present(key: string): number | null {
    const r = this.inputs.readings.get(key);
    if (!r) return null;
    const now = this.inputs.now.getTime();
    if (r.value !== null && r.quality !== 'comm_loss') return now - r.ts.getTime() > this.inputs.staleAfterMs ? null : r.value;
    return r.lastValue && now - r.lastValue.ts.getTime() <= this.inputs.holdMs ? r.lastValue.value : null;
  }

  /** Sum of power points in kW, with how many reported; null when none did. */
  sumKw(keys: readonly string[]): { kw: number | null; coverage: Coverage } {
    let watts = 0;
    let reported = 0;
    for (const key of keys) {
      this.used.add(key);
      const v = this.present(key);
      const factor = wattsPerUnit(this.pointByKey.get(key)?.unit ?? 'W') ?? 1;
      if (v === null) continue;
      watts += v * factor;
      reported++;
    }
    return { kw: reported > 0 ? round3(watts / 1000) : null, coverage: { reported, expected: keys.length } };
  }

  /** The largest present value of these points (a load % over several lines), or null. */
  maxOf(keys: readonly string[]): number | null {
    let best: number | null = null;
    for (const key of keys) {
      this.used.add(key);
      const v = this.present(key);
      if (v !== null && (best === null || v > best)) best = v;
    }
    return best;
  }

  upsPoints(ci: PowerCi): UpsPoints {
    const keys = (role: string) => this.rolePoints(ci, role).map((p) => p.key);
    const charge = this.rolePoints(ci, 'ups.battery.charge')[0];
    const runtime = this.rolePoints(ci, 'ups.battery.runtime')[0];
    return {
      output: keys('ups.output.power'),
      input: keys('ups.input.power'),
      load: keys('ups.output.load'),
      source: this.rolePoints(ci, 'ups.output.source').map((p) => ({ key: p.key, states: p.states })),
      onBattery: keys('ups.status.on_battery'),
      charge: charge?.key ?? null,
      runtime: runtime?.key ?? null,
    };
  }

  /** On battery by the UPS's own status points; null when none reports. */
  onBattery(points: UpsPoints): boolean | null {
    let known = false;
    for (const s of points.source) {
      this.used.add(s.key);
      const v = this.present(s.key);
      if (v === null) continue;
      known = true;
      if (s.states?.[String(v)] === 'battery') return true;
    }
    for (const key of points.onBattery) {
      this.used.add(key);
      const v = this.present(key);
      if (v === null) continue;
      known = true;
      if (v >= 1) return true;
    }
    return known ? false : null;
  }

  /** Remaining runtime in minutes, whatever unit the point reports it in. */
  runtimeMin(key: string | null): number | null {
    if (!key) return null;
    this.used.add(key);
    const v = this.present(key);
    if (v === null) return null;
    const unit = this.pointByKey.get(key)?.unit;
    return round3(unit === 's' ? v / 60 : unit === 'h' ? v * 60 : v);
  }

  valueOf(key: string | null): number | null {
    if (!key) return null;
    this.used.add(key);
    return this.present(key);
  }

  /** The readings behind every figure built so far, as the API shows them. */
  readingsJson(): Record<string, ReadingJson> {
    const out: Record<string, ReadingJson> = {};
    for (const key of [...this.used].sort()) {
      const r = this.inputs.readings.get(key);
      if (!r) continue;
      out[key] = {
        value: r.value, ts: r.ts.toISOString(), quality: r.quality, unit: this.pointByKey.get(key)?.unit ?? '',
        ...(r.lastValue ? { lastValue: r.lastValue.value, lastValueTs: r.lastValue.ts.toISOString() } : {}),
      };
    }
    return out;
  }
}

export const round3 = (v: number) => Math.round(v * 1000) / 1000;

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

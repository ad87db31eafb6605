/**
 * Site power: what the CMDB's power graph and the latest samples say about where a site's electricity goes
 * (utility in, IT, cooling, losses) and how it flows utility → UPS → panels → PDUs → racks.
 *
 * Every figure names the points behind it, so a page can keep it live from the sample stream by summing the
 * same points, and says how many of the points it expected actually reported (its coverage): a total over
 * half the PDUs is not the IT load, and a person must be able to see that.
 *
 * The web bundle imports this file (its types, and CHAIN_COLUMNS): keep it free of runtime imports.
 */
import type { SampleQuality } from '../../contracts/ingest.ts';

// ---------------------------------------------------------------- inputs (from the database)

export interface PowerCi {
  key: string; type: string; name: string; status: string; parentKey: string | null;
  attributes: Record<string, unknown>;
  devices: string[];
}

export interface PowerRelation { kind: 'powered_by' | 'monitored_by'; from: string; to: string; feed: string | null }

export interface PowerPoint { key: string; device: string; metric: string; unit: string; role: string; states: Record<string, string> | null }

export interface Reading {
  value: number | null; ts: Date; quality: SampleQuality;
  /** When the latest sample has no value: the last one that had, if recent (see SitePowerInputs.holdMs). */
  lastValue?: { value: number; ts: Date };
}

export interface SitePowerInputs {
  site: { key: string; name: string };
  cis: PowerCi[];
  relations: PowerRelation[];
  points: PowerPoint[];
  /** Latest sample by point key; points that never reported are absent. */
  readings: Map<string, Reading>;
  now: Date;
  /** A reading older than this no longer counts as the present value. */
  staleAfterMs: number;
  /**
   * A point whose latest poll was lost (comm_loss) keeps its last value this long: a poll or two lost on a
   * busy network must not make the IT load drop by a rack for a second, nor flip a figure to another basis.
   */
  holdMs: number;
}

/** The roles the site power model reads (see collector/profiles/*.yaml). */
export const SITE_POWER_ROLES = [
  'ups.input.power', 'ups.output.power', 'ups.output.load', 'ups.output.source', 'ups.status.on_battery',
  'ups.battery.charge', 'ups.battery.runtime', 'pdu.inlet.power', 'meter.active_power',
] as const;

/** CI types of the power model: the supply, the distribution, the loads and the meters. */
export const SITE_POWER_CI_TYPES = [
  'utility', 'generator', 'transformer', 'ups', 'panel', 'breaker', 'feed', 'pdu', 'rack', 'crac', 'chiller', 'meter',
] as const;

// ---------------------------------------------------------------- outputs

/** How many of the points a figure expects reported a present value. */
export interface Coverage { reported: number; expected: number }

/** A reading as the API hands it over, with its unit so a page can sum live samples into kW. */
export interface ReadingJson {
  value: number | null; ts: string; quality: SampleQuality; unit: string;
  /** The value held through a lost poll (see SitePowerInputs.holdMs) and when it was read. */
  lastValue?: number; lastValueTs?: string;
}

export type UtilityBasis = 'meters' | 'ups-inputs';
/** PDU inlets = PUE category 2 (IT measured at the PDU); UPS outputs = category 1. */
export type ItBasis = 'pdu-inlets' | 'it-meters' | 'ups-outputs';
export type CoolingBasis = 'meters';

export type PowerFlag =
  /** Some expected points did not report: the figure is a partial sum. */
  | 'partial'
  /** Nothing measures it (no meter, no point): the figure is null. */
  | 'not-metered'
  /** Utility − IT − cooling came out below zero (meters disagree, or partial coverage): shown as 0. */
  | 'negative-clamped'
  /** Cooling is not metered, so the losses figure also holds the cooling load. */
  | 'includes-cooling'
  /** Utility from UPS inputs: the unmetered cooling and every other load outside the UPSs are missing. */
  | 'excludes-cooling';

export interface PowerFigure<B extends string> {
  /** kW, null when nothing behind it reported. */
  kw: number | null;
  basis: B | null;
  /** Points whose sum (in W) is the figure. */
  points: string[];
  coverage: Coverage;
  flags: PowerFlag[];
}

export interface LossesFigure {
  kw: number | null;
  flags: PowerFlag[];
}

export interface UpsStatus {
  key: string; name: string; devices: string[];
  kw: number | null;
  ratedKw: number | null; ratedKva: number | null;
  /** Output load, % of rating (the UPS's own figure when it reports one). */
  loadPct: number | null;
  onBattery: boolean | null;
  batteryChargePct: number | null;
  runtimeMin: number | null;
  points: UpsPoints;
}

/** Points behind a UPS's live status, so a page can follow it from the stream. */
export interface UpsPoints {
  output: string[];
  input: string[];
  load: string[];
  /** upsOutputSource-style points: the state named `battery` means on battery. */
  source: Array<{ key: string; states: Record<string, string> | null }>;
  /** Boolean on-battery points (1 = on battery). */
  onBattery: string[];
  charge: string | null;
  runtime: string | null;
}

export interface SitePowerSummary {
  site: { key: string; name: string };
  at: string;
  utility: PowerFigure<UtilityBasis>;
  it: PowerFigure<ItBasis>;
  cooling: PowerFigure<CoolingBasis>;
  losses: LossesFigure;
  ups: UpsStatus[];
  readings: Record<string, ReadingJson>;
}

export const CHAIN_COLUMNS = ['source', 'transformer', 'ups', 'panel', 'pdu', 'load'] as const;
export type ChainColumn = (typeof CHAIN_COLUMNS)[number];

export interface ChainNode {
  key: string; type: string; name: string; status: string;
  column: ChainColumn;
  devices: string[];
  /** The UPS the node is fed from (for collapsing the chain per UPS); null for supply-side nodes. */
  upsKeys: string[];
  /** `measured`: its own points (or meters); `upstream`: its only supplier's; `downstream`: the sum of what it feeds. */
  basis: 'measured' | 'upstream' | 'downstream' | null;
  kw: number | null;
  points: string[];
  coverage: Coverage;
  ratedKw: number | null;
  ratedKva: number | null;
  /** A point reporting the load in % of rating (a UPS's own figure), preferred over kW ÷ rating. */
  loadPoints: string[];
  loadPct: number | null;
  ups?: UpsPoints;
}

export interface ChainLink {
  /** Supplier → consumer. */
  from: string; to: string;
  side: 'A' | 'B' | null;
  /** Feeds and breakers the link passes through (collapsed into the link). */
  via: string[];
  /** Live kW flowing, where measurable: the points whose sum is the flow; empty when it cannot be measured. */
  points: string[];
  kw: number | null;
  /** The supplier is idle (a standby generator): nothing flows. */
  idle: boolean;
}

export interface PowerChain {
  site: { key: string; name: string };
  at: string;
  nodes: ChainNode[];
  links: ChainLink[];
  readings: Record<string, ReadingJson>;
}

// ---------------------------------------------------------------- device reporting (GET /api/v1/overview/devices)

export type DeviceReportReason = 'never' | 'comm_loss' | 'stale';

export interface DeviceReport {
  device: string;
  ci: { key: string; name: string; type: string };
  reporting: boolean;
  reason: DeviceReportReason | null;
  /** Newest sample (of any quality). */
  lastSample: string | null;
  /** When it last delivered a value (only looked up for devices that stopped). */
  lastValue: string | null;
  probePoint: string | null;
}

export interface DeviceReporting {
  site: { key: string; name: string };
  at: string;
  /** A device with nothing new for longer than this is stale. */
  staleAfterSeconds: number;
  /** A device answering nothing (comm_loss) is not reporting once its last value is this old. */
  silentAfterSeconds: number;
  total: number;
  notReporting: number;
  /** Not reporting first, then by device name. */
  items: DeviceReport[];
}

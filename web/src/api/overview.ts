/**
 * Typed client for the site overview and the power chain: site power (GET /api/v1/overview/power), device
 * reporting (GET /api/v1/overview/devices) and the power chain (GET /api/v1/power-chain). Wire shapes mirror
 * server/domain/site-power/types.ts and server/routes/overview/overview.routes.ts; no server imports.
 */
import { request } from './client.ts';
import type { SampleQuality } from './types.ts';

export interface Coverage { reported: number; expected: number }

export type PowerFlag = 'partial' | 'not-metered' | 'negative-clamped' | 'includes-cooling' | 'excludes-cooling';

export interface ReadingJson {
  value: number | null;
  ts: string;
  quality: SampleQuality;
  unit: string;
  /** The latest poll was lost: the value held from just before it, and when it was read. */
  lastValue?: number;
  lastValueTs?: string;
}

export interface PowerFigure<B extends string> {
  kw: number | null;
  basis: B | null;
  /** Points whose sum (W) is the figure. */
  points: string[];
  coverage: Coverage;
  flags: PowerFlag[];
}

export type UtilityBasis = 'meters' | 'ups-inputs';
export type ItBasis = 'pdu-inlets' | 'it-meters' | 'ups-outputs';

export interface UpsPoints {
  output: string[];
  input: string[];
  load: string[];
  source: Array<{ key: string; states: Record<string, string> | null }>;
  onBattery: string[];
  charge: string | null;
  runtime: string | null;
}

export interface UpsStatus {
  key: string;
  name: string;
  devices: string[];
  kw: number | null;
  ratedKw: number | null;
  ratedKva: number | null;
  loadPct: number | null;
  onBattery: boolean | null;
  batteryChargePct: number | null;
  runtimeMin: number | null;
  points: UpsPoints;
}

export interface SitePower {
  site: { key: string; name: string };
  at: string;
  utility: PowerFigure<UtilityBasis>;
  it: PowerFigure<ItBasis>;
  cooling: PowerFigure<'meters'>;
  losses: { kw: number | null; flags: PowerFlag[] };
  ups: UpsStatus[];
  readings: Record<string, ReadingJson>;
}

export interface DeviceReport {
  device: string;
  ci: { key: string; name: string; type: string };
  reporting: boolean;
  reason: 'never' | 'comm_loss' | 'stale' | null;
  lastSample: string | null;
  lastValue: string | null;
  probePoint: string | null;
}

export interface DeviceReporting {
  site: { key: string; name: string };
  at: string;
  staleAfterSeconds: number;
  /** A device answering nothing is not reporting once its last value is this old. */
  silentAfterSeconds: number;
  total: number;
  notReporting: number;
  items: DeviceReport[];
}

export const CHAIN_COLUMNS = ['source', 'transformer', 'ups', 'panel', 'pdu', 'load'] as const;
export type ChainColumn = (typeof CHAIN_COLUMNS)[number];

export interface ChainNode {
  key: string;
  type: string;
  name: string;
  status: string;
  column: ChainColumn;
  devices: string[];
  upsKeys: string[];
  basis: 'measured' | 'upstream' | 'downstream' | null;
  kw: number | null;
  points: string[];
  coverage: Coverage;
  ratedKw: number | null;
  ratedKva: number | null;
  loadPoints: string[];
  loadPct: number | null;
  ups?: UpsPoints;
}

export interface ChainLink {
  from: string;
  to: string;
  side: 'A' | 'B' | null;
  via: string[];
  points: string[];
  kw: number | null;
  idle: boolean;
}

export interface PowerChain {
  site: { key: string; name: string };
  at: string;
  nodes: ChainNode[];
  links: ChainLink[];
  readings: Record<string, ReadingJson>;
}

export const overviewApi = {
  sitePower: (site: string | undefined, signal?: AbortSignal) =>
    request<SitePower>('GET', '/overview/power', { query: { site }, signal }),
  deviceReporting: (site: string | undefined, signal?: AbortSignal) =>
    request<DeviceReporting>('GET', '/overview/devices', { query: { site }, signal }),
  powerChain: (site: string | undefined, signal?: AbortSignal) =>
    request<PowerChain>('GET', '/power-chain', { query: { site }, signal }),
};

/**
 * Wire shapes of the Kiban HTTP API (/api/v1) as the browser sees them.
 * Kept free of server imports so the web bundle never pulls zod or Hono in.
 */

export type SampleQuality = 'ok' | 'stale' | 'comm_loss' | 'sentinel' | 'out_of_range' | (string & {});

export interface ApiErrorBody {
  error: { code: string; message: string; details?: unknown };
}

export interface SessionUser {
  name: string;
  role: string;
}

export interface Device {
  name: string;
  kind: 'ups' | 'pdu' | 'crac' | 'sensor' | 'meter' | 'other' | (string & {});
  protocol: 'snmp' | 'modbus' | 'mqtt' | (string & {});
  address?: string | null;
  vendor?: string | null;
  model?: string | null;
  profile?: string | null;
  site?: string | null;
  /** Collector that polls it (null for devices that push, e.g. over MQTT). */
  collector?: string | null;
  /** What the device reported about itself (serial, firmware, model …). */
  identity?: Record<string, string | number> | null;
  createdAt: string;
}

export interface Point {
  /** `<device>/<metric>`, e.g. `ups-1/output.l1.power`. */
  key: string;
  device: string;
  metric: string;
  unit: string;
  kind: 'gauge' | 'counter';
  /** What the point means to energy/capacity/alarms, e.g. `ups.output.power`. */
  role: string | null;
  description: string | null;
  /** Labels of an enumerated point: raw value → state name. */
  states: Record<string, string> | null;
}

export interface LatestSample {
  point: string;
  ts: string;
  value: number | null;
  quality: SampleQuality;
  unit: string;
}

export interface SeriesSample {
  ts: string;
  value: number | null;
  min?: number | null;
  max?: number | null;
}

export interface SeriesItem {
  point: string;
  unit: string;
  /** `raw`, or the rollup bucket width such as `60s`. */
  resolution: string;
  samples: SeriesSample[];
}

export interface SeriesResponse {
  from: string;
  to: string;
  items: SeriesItem[];
}

/** One sample as pushed on the SSE stream (event `samples`). */
export interface StreamSample {
  point: string;
  ts: string;
  value: number | null;
  quality: SampleQuality;
}

export interface StreamSamplesEvent {
  items: StreamSample[];
}

export interface ListResponse<T> {
  items: T[];
  next?: string;
}

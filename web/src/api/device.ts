/**
 * Typed client for what the device and point pages read besides series: the device itself, its points
 * with their latest values, and the configuration item (CMDB) it belongs to.
 */
import { api, request } from './client.ts';
import type { CiView } from './cmdb.ts';
import type { Device, LatestSample, ListResponse, Point } from './types.ts';

/** The device as /devices lists it, or undefined when no device has that name. */
export async function fetchDevice(name: string, signal?: AbortSignal): Promise<Device | undefined> {
  const list = await api.listDevices(signal);
  return list.items.find((device) => device.name === name);
}

export async function fetchDevicePoints(device: string, signal?: AbortSignal): Promise<Point[]> {
  const list = await api.listPoints(device, signal);
  return [...list.items].sort((a, b) => a.metric.localeCompare(b.metric, undefined, { numeric: true }));
}

export async function fetchLatest(points: readonly string[], signal?: AbortSignal): Promise<LatestSample[]> {
  if (points.length === 0) return [];
  const answers = [];
  for (let i = 0; i < points.length; i += 200) answers.push(api.latest(points.slice(i, i + 200), signal));
  return (await Promise.all(answers)).flatMap((a) => a.items);
}

/** The CI whose collector devices include `device` (GET /cis?device=). */
export async function findCiOfDevice(device: string, signal?: AbortSignal): Promise<CiView | undefined> {
  const list = await request<ListResponse<CiView>>('GET', '/cis', { query: { device, limit: 1 }, signal });
  return list.items[0];
}

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

/**
 * The CI whose collector devices include `device`. The CI list has no device filter, so it searches by
 * text: the device name first (CI keys usually are device names), then the name without its last
 * `-suffix` (a UPS's Modbus face `ups-a1-modbus` belongs to CI `ups-a1`); a match must list the device.
 */
export async function findCiOfDevice(device: string, signal?: AbortSignal): Promise<CiView | undefined> {
  const candidates = [device];
  const shorter = device.replace(/-[^-]+$/, '');
  if (shorter && shorter !== device) candidates.push(shorter);
  for (const q of candidates) {
    const list = await request<ListResponse<CiView>>('GET', '/cis', { query: { q, limit: 50 }, signal });
    const match = list.items.find((ci) => ci.devices?.includes(device));
    if (match) return match;
  }
  return undefined;
}

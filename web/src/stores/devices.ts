/** The device inventory, as an entity list reconciled by name (Pulse style). */
import { createStore, reconcile } from 'solid-js/store';
import { api } from '../api/client.ts';
import type { Device } from '../api/types.ts';

const [devices, setDevices] = createStore<{ items: Device[]; loaded: boolean }>({ items: [], loaded: false });
export { devices };

export async function loadDevices(signal?: AbortSignal): Promise<void> {
  const response = await api.listDevices(signal);
  const sorted = [...response.items].sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
  setDevices('items', reconcile(sorted, { key: 'name' }));
  setDevices('loaded', true);
}

export function devicesOfKind(kind: Device['kind']): Device[] {
  return devices.items.filter((device) => device.kind === kind);
}

/**
 * Hash routes of the app, one per area and page. Hash-based so the server needs no fallback route and a link
 * can be pasted into a ticket. Keys (CI keys, device names, point keys) may contain `/` and `:`, so each is
 * URI-encoded as one segment.
 *
 *   #/overview                 site at a glance (the default)
 *   #/floor  #/floor/<room>    floor plan of the site's rooms, or one room
 *   #/racks  #/racks/<rack>    rack list, or one rack's elevation
 *   #/power                    power chain: utility → UPS → panels → PDUs → racks
 *   #/cooling                  cooling units and rack inlet temperatures
 *   #/devices/<device>         a collector device: its points and charts
 *   #/points/<point>           one point's chart
 *   #/cmdb  #/cmdb/ci/<key>    the configuration model
 *   #/admin                    tokens, collectors, devices
 *   #/ups                      the UPS detail page
 */
import { createSignal } from 'solid-js';

export const AREAS = ['overview', 'floor', 'racks', 'power', 'cooling', 'cmdb', 'admin'] as const;
export type Area = (typeof AREAS)[number];

export type AppRoute =
  | { area: 'overview' }
  | { area: 'floor'; roomKey?: string }
  | { area: 'racks'; rackKey?: string }
  | { area: 'power' }
  | { area: 'cooling' }
  | { area: 'cmdb'; ciKey?: string }
  | { area: 'admin' }
  | { area: 'device'; device: string }
  | { area: 'point'; point: string }
  | { area: 'ups' };

function decode(segment: string): string | undefined {
  try {
    const value = decodeURIComponent(segment);
    return value === '' ? undefined : value;
  } catch {
    return undefined; // a malformed escape: show the area's home rather than a broken page
  }
}

export function parseRoute(hash: string): AppRoute {
  const path = hash.replace(/^#/, '').replace(/[?].*$/, '');
  const [, first = '', ...rest] = path.split('/');
  const tail = rest.join('/');
  switch (first) {
    case 'floor': return { area: 'floor', roomKey: tail ? decode(tail) : undefined };
    case 'racks': return { area: 'racks', rackKey: tail ? decode(tail) : undefined };
    case 'power': return { area: 'power' };
    case 'cooling': return { area: 'cooling' };
    case 'admin': return { area: 'admin' };
    case 'ups': return { area: 'ups' };
    case 'cmdb': {
      const ci = /^ci\/(.+)$/.exec(tail);
      return { area: 'cmdb', ciKey: ci ? decode(ci[1]) : undefined };
    }
    case 'devices': {
      const device = decode(tail);
      return device ? { area: 'device', device } : { area: 'overview' };
    }
    case 'points': {
      const point = decode(tail);
      return point ? { area: 'point', point } : { area: 'overview' };
    }
    default: return { area: 'overview' };
  }
}

/** The navigation area a route belongs to (device and point pages sit under Power/Racks by what they are; the nav shows none). */
export function areaOf(route: AppRoute): Area | undefined {
  return (AREAS as readonly string[]).includes(route.area) ? route.area as Area : route.area === 'ups' ? 'power' : undefined;
}

const [hash, setHash] = createSignal(globalThis.location?.hash ?? '');
globalThis.addEventListener?.('hashchange', () => setHash(globalThis.location.hash));

export const currentRoute = (): AppRoute => parseRoute(hash());

export const href = {
  overview: () => '#/overview',
  floor: (roomKey?: string) => roomKey ? `#/floor/${encodeURIComponent(roomKey)}` : '#/floor',
  racks: () => '#/racks',
  rack: (rackKey: string) => `#/racks/${encodeURIComponent(rackKey)}`,
  power: () => '#/power',
  cooling: () => '#/cooling',
  cmdb: () => '#/cmdb',
  ci: (key: string) => `#/cmdb/ci/${encodeURIComponent(key)}`,
  admin: () => '#/admin',
  device: (name: string) => `#/devices/${encodeURIComponent(name)}`,
  point: (key: string) => `#/points/${encodeURIComponent(key)}`,
  ups: () => '#/ups',
} as const;

export function areaHref(area: Area): string {
  return area === 'racks' ? href.racks() : href[area]();
}

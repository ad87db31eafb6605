/**
 * Hash routes of the app until the full shell lands: `#/cmdb`, `#/cmdb/ci/<key>`; anything else is the UPS
 * page. Hash-based so the server needs no fallback route and a link to a CI can be pasted into a ticket.
 * CI keys may contain `/` and `:`, so the key is URI-encoded as one segment.
 */
import { createSignal } from 'solid-js';

export type AppRoute =
  | { area: 'ups' }
  | { area: 'cmdb'; ciKey?: string };

export function parseRoute(hash: string): AppRoute {
  const path = hash.replace(/^#/, '');
  if (!path.startsWith('/cmdb')) return { area: 'ups' };
  const ci = /^\/cmdb\/ci\/([^?#]+)/.exec(path);
  if (!ci) return { area: 'cmdb' };
  try {
    return { area: 'cmdb', ciKey: decodeURIComponent(ci[1]) };
  } catch {
    return { area: 'cmdb' }; // a malformed escape: show the CMDB home rather than a broken page
  }
}

const [hash, setHash] = createSignal(globalThis.location?.hash ?? '');
globalThis.addEventListener?.('hashchange', () => setHash(globalThis.location.hash));

export const currentRoute = (): AppRoute => parseRoute(hash());

export const UPS_HREF = '#/ups';
export const CMDB_HREF = '#/cmdb';
export const ciHref = (key: string) => `#/cmdb/ci/${encodeURIComponent(key)}`;

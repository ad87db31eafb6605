/**
 * The site being looked at. Every area shows one site at a time; the switcher in the top bar changes it and
 * the choice is remembered per browser. Sites are the CMDB's `site` CIs.
 */
import { createSignal } from 'solid-js';
import { cmdbApi, type CiView } from '../api/cmdb.ts';

const STORAGE_KEY = 'kiban.site';

const [sites, setSites] = createSignal<CiView[]>([]);
const [siteKey, setSiteKeySignal] = createSignal<string | undefined>(readStored());
const [sitesLoaded, setSitesLoaded] = createSignal(false);
export { sites, siteKey, sitesLoaded };

function readStored(): string | undefined {
  try {
    return globalThis.localStorage?.getItem(STORAGE_KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

export function selectSite(key: string): void {
  setSiteKeySignal(key);
  try {
    globalThis.localStorage?.setItem(STORAGE_KEY, key);
  } catch {
    // not persisted
  }
}

/** Loads the site list; keeps the remembered site when it still exists, else takes the first. */
export async function loadSites(): Promise<void> {
  const list = await cmdbApi.listCis({ type: 'site', limit: 200 });
  const items = [...list.items].sort((a, b) => a.name.localeCompare(b.name));
  setSites(items);
  const current = siteKey();
  if (!current || !items.some((s) => s.key === current)) {
    if (items[0]) setSiteKeySignal(items[0].key);
    else setSiteKeySignal(undefined);
  }
  setSitesLoaded(true);
}

/**
 * The location tree (site → building → room → row → rack) and which of its branches are open. The tree is
 * reconciled by key so a refresh keeps the open branches and does not re-render unchanged nodes.
 */
import { createSignal } from 'solid-js';
import { createStore, reconcile } from 'solid-js/store';
import { cmdbApi, type TreeNode } from '../../api/cmdb.ts';

const [locationTree, setLocationTree] = createStore<{ items: TreeNode[]; loaded: boolean }>({ items: [], loaded: false });
export { locationTree };

const [expandedKeys, setExpandedKeys] = createSignal<ReadonlySet<string>>(new Set());

export const isExpanded = (key: string) => expandedKeys().has(key);

export function toggleExpanded(key: string): void {
  setExpandedKeys((current) => {
    const next = new Set(current);
    if (!next.delete(key)) next.add(key);
    return next;
  });
}

/** Opens every branch on the way to a CI (its ancestors), so the tree shows where the open page is. */
export function expandPath(keys: readonly string[]): void {
  if (keys.every((key) => expandedKeys().has(key))) return;
  setExpandedKeys((current) => new Set([...current, ...keys]));
}

export async function loadLocationTree(signal?: AbortSignal): Promise<void> {
  const response = await cmdbApi.tree(signal);
  const firstLoad = !locationTree.loaded;
  setLocationTree('items', reconcile(response.items, { key: 'key' }));
  setLocationTree('loaded', true);
  // One site is the common case: open it so the buildings show without a click.
  if (firstLoad && response.items.length === 1) expandPath([response.items[0].key]);
}

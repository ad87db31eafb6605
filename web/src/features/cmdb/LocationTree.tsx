/** The location tree in the sidebar: expandable site → building → room → row → rack; a name opens the CI. */
import { For, Show } from 'solid-js';
import type { TreeNode } from '../../api/cmdb.ts';
import { t } from '../../i18n/index.ts';
import { statusLabel, typeLabel } from './labels.ts';
import { isExpanded, locationTree, toggleExpanded } from './locationTreeStore.ts';
import { ciHref } from './route.ts';

function TreeItem(props: { node: TreeNode; currentKey?: string; level: number }) {
  const hasChildren = () => props.node.children.length > 0;
  const open = () => hasChildren() && isExpanded(props.node.key);
  return (
    <li
      role="treeitem"
      aria-level={props.level}
      aria-expanded={hasChildren() ? open() : undefined}
      aria-selected={props.currentKey === props.node.key}
      data-key={props.node.key}
      data-type={props.node.type}
    >
      <div class="tree-row" classList={{ current: props.currentKey === props.node.key }}>
        <Show when={hasChildren()} fallback={<span class="tree-toggle-spacer" aria-hidden="true" />}>
          <button
            type="button"
            class="tree-toggle"
            data-testid="tree-toggle"
            aria-expanded={open()}
            aria-label={t(open() ? 'cmdb.collapse' : 'cmdb.expand', { name: props.node.name })}
            onClick={() => toggleExpanded(props.node.key)}
          >
            <span aria-hidden="true">{open() ? '▾' : '▸'}</span>
          </button>
        </Show>
        <a class="tree-link" href={ciHref(props.node.key)} title={`${typeLabel(props.node.type)} · ${props.node.key}`}>
          {props.node.name}
        </a>
        <Show when={props.node.status !== 'active'}>
          <span class="status-chip" data-status={props.node.status}>{statusLabel(props.node.status)}</span>
        </Show>
        <span class="spacer" />
        <Show when={props.node.type === 'rack' ? props.node.devices ?? props.node.counts?.devices : undefined}>
          {(count) => <span class="tree-count" title={t('cmdb.deviceCount', { count: count() })}>{count()}</span>}
        </Show>
        <span class="tree-type">{typeLabel(props.node.type)}</span>
      </div>
      <Show when={open()}>
        <ul role="group">
          <For each={props.node.children}>
            {(child) => <TreeItem node={child} currentKey={props.currentKey} level={props.level + 1} />}
          </For>
        </ul>
      </Show>
    </li>
  );
}

export function LocationTree(props: { currentKey?: string }) {
  return (
    <Show when={locationTree.loaded} fallback={<p class="muted">{t('app.loading')}</p>}>
      <Show when={locationTree.items.length > 0} fallback={<p class="muted">{t('cmdb.treeEmpty')}</p>}>
        <ul class="location-tree" role="tree" aria-label={t('cmdb.locations')} data-testid="cmdb-tree">
          <For each={locationTree.items}>
            {(node) => <TreeItem node={node} currentKey={props.currentKey} level={1} />}
          </For>
        </ul>
      </Show>
    </Show>
  );
}

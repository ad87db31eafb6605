/**
 * Relationships of the CI in both directions, grouped by kind and read from this CI's point of view:
 * "Powered by PDU A (feed A, port 12)" for its own relations, "Powers server 01" for those pointing at it.
 */
import { For, Show } from 'solid-js';
import { RELATION_KINDS, type RelationView } from '../../api/cmdb.ts';
import { t } from '../../i18n/index.ts';
import { CiRefLink } from './CiRefLink.tsx';
import { relationLabel } from './labels.ts';

interface RelationGroup {
  id: string;
  kind: RelationView['kind'];
  outgoing: boolean;
  items: RelationView[];
}

export function groupRelations(ciKey: string, relations: readonly RelationView[]): RelationGroup[] {
  const groups = new Map<string, RelationGroup>();
  for (const relation of relations) {
    const outgoing = relation.from.key === ciKey;
    const id = `${relation.kind}:${outgoing ? 'out' : 'in'}`;
    let group = groups.get(id);
    if (!group) groups.set(id, group = { id, kind: relation.kind, outgoing, items: [] });
    group.items.push(relation);
  }
  const rank = (group: RelationGroup) => {
    const kindRank = RELATION_KINDS.indexOf(group.kind);
    return (kindRank < 0 ? RELATION_KINDS.length : kindRank) * 2 + (group.outgoing ? 0 : 1);
  };
  const other = (relation: RelationView, outgoing: boolean) => (outgoing ? relation.to : relation.from);
  return [...groups.values()]
    .sort((a, b) => rank(a) - rank(b) || a.kind.localeCompare(b.kind))
    .map((group) => ({
      ...group,
      items: [...group.items].sort((a, b) =>
        (a.feed ?? '').localeCompare(b.feed ?? '')
        || other(a, group.outgoing).name.localeCompare(other(b, group.outgoing).name, undefined, { numeric: true })),
    }));
}

export function CiRelations(props: { ciKey: string; relations: RelationView[] }) {
  const groups = () => groupRelations(props.ciKey, props.relations);
  return (
    <section class="panel" data-testid="ci-relations">
      <header class="panel-header">
        <h2>{t('cmdb.relations.title')}</h2>
        <span class="muted">{props.relations.length}</span>
      </header>
      <Show when={groups().length > 0} fallback={<p class="muted">{t('cmdb.relations.none')}</p>}>
        <div class="relation-groups">
          <For each={groups()}>
            {(group) => (
              <div class="relation-group" data-kind={group.kind} data-direction={group.outgoing ? 'out' : 'in'}>
                <h3>{relationLabel(group.kind, group.outgoing)}</h3>
                <ul>
                  <For each={group.items}>
                    {(relation) => (
                      <li data-relation={String(relation.id)}>
                        <CiRefLink ci={group.outgoing ? relation.to : relation.from} showType />
                        <Show when={relation.feed}>
                          {(feed) => <span class="chip" data-feed={feed()}>{t('cmdb.relations.feed', { feed: feed() })}</span>}
                        </Show>
                        <Show when={relation.port}>
                          {(port) => <span class="chip">{t('cmdb.relations.port', { port: port() })}</span>}
                        </Show>
                        <Show when={relation.phase}>{(phase) => <span class="chip">{phase()}</span>}</Show>
                        <Show when={relation.note}>{(note) => <span class="muted small">{note()}</span>}</Show>
                      </li>
                    )}
                  </For>
                </ul>
              </div>
            )}
          </For>
        </div>
      </Show>
    </section>
  );
}

/**
 * What is inside the CI. A rack lists its equipment by U position, top of the rack first as it looks when
 * you stand in front of it, with the face it is mounted on; other places list their contents by type.
 */
import { For, Show } from 'solid-js';
import type { CiView } from '../../api/cmdb.ts';
import { t } from '../../i18n/index.ts';
import { CiRefLink } from './CiRefLink.tsx';
import { faceLabel, formatUnitRange, modelName, statusLabel, typeLabel } from './labels.ts';

const byName = (a: CiView, b: CiView) => a.name.localeCompare(b.name, undefined, { numeric: true });

/** Rack contents: highest U first, unplaced equipment (zero-U PDUs, loose items) last. */
export function sortRackContents(children: readonly CiView[]): CiView[] {
  return [...children].sort((a, b) => {
    if (a.positionU == null || b.positionU == null) {
      return a.positionU == null && b.positionU == null ? byName(a, b) : a.positionU == null ? 1 : -1;
    }
    return b.positionU - a.positionU || (a.face ?? '').localeCompare(b.face ?? '') || byName(a, b);
  });
}

/** Rack units taken by placed equipment (a unit used on both faces counts once). */
export function usedRackUnits(children: readonly CiView[]): number {
  const used = new Set<number>();
  for (const child of children) {
    if (child.positionU == null) continue;
    const height = Math.max(1, child.model?.uHeight ?? 1);
    for (let u = child.positionU; u < child.positionU + height; u++) used.add(u);
  }
  return used.size;
}

export function CiChildren(props: { ci: CiView; children: CiView[] }) {
  const isRack = () => props.ci.type === 'rack';
  const rows = () => (isRack()
    ? sortRackContents(props.children)
    : [...props.children].sort((a, b) => a.type.localeCompare(b.type) || byName(a, b)));
  const rackHeight = () => (typeof props.ci.attributes.uHeight === 'number' ? props.ci.attributes.uHeight : undefined);

  return (
    <section class="panel" data-testid="ci-children">
      <header class="panel-header">
        <h2>{isRack() ? t('cmdb.children.rackTitle') : t('cmdb.children.title')}</h2>
        <span class="muted">{props.children.length}</span>
        <Show when={isRack() && rackHeight()}>
          {(total) => <span class="hint">{t('cmdb.children.usedU', { used: usedRackUnits(props.children), total: total() })}</span>}
        </Show>
      </header>
      <Show when={props.children.length > 0} fallback={<p class="muted">{t('cmdb.children.none')}</p>}>
        <div class="table-scroll">
          <table class="points cmdb-table">
            <thead>
              <tr>
                <Show when={isRack()}>
                  <th scope="col">{t('cmdb.children.position')}</th>
                  <th scope="col">{t('cmdb.children.face')}</th>
                </Show>
                <th scope="col">{t('cmdb.field.name')}</th>
                <th scope="col">{t('cmdb.field.type')}</th>
                <th scope="col">{t('cmdb.field.model')}</th>
                <th scope="col">{t('cmdb.field.status')}</th>
              </tr>
            </thead>
            <tbody>
              <For each={rows()}>
                {(child) => (
                  <tr data-key={child.key} data-type={child.type}>
                    <Show when={isRack()}>
                      <td class="mono nowrap">
                        {child.positionU != null
                          ? formatUnitRange(child.positionU, child.model?.uHeight)
                          : <span class="muted">{t('cmdb.children.unplaced')}</span>}
                      </td>
                      <td>{child.face ? faceLabel(child.face) : t('app.none')}</td>
                    </Show>
                    <td>
                      <CiRefLink ci={child} />
                      <Show when={child.key !== child.name}> <span class="mono muted small">{child.key}</span></Show>
                    </td>
                    <td>{typeLabel(child.type)}</td>
                    <td class="wrap">{child.model ? modelName(child.model) : t('app.none')}</td>
                    <td><span class="status-chip" data-status={child.status}>{statusLabel(child.status)}</span></td>
                  </tr>
                )}
              </For>
            </tbody>
          </table>
        </div>
      </Show>
    </section>
  );
}

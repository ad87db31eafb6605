/**
 * The CI's recorded facts: the common ones (model, serial, asset tag, owner, contract dates …) and the
 * attributes of its type with their units. Dates are calendar dates in the reader's language; a warranty
 * or support end in the past is marked.
 */
import { For, Show } from 'solid-js';
import type { CiView } from '../../api/cmdb.ts';
import { formatDateTime, t, type MessageKey } from '../../i18n/index.ts';
import { attributeSpecsFor } from './ciAttributes.ts';
import { CiRefLink } from './CiRefLink.tsx';
import {
  attributeLabel, faceLabel, formatAttribute, formatIsoDate, formatQuantity, formatUnitRange, isPastDate, modelName, typeLabel,
} from './labels.ts';

interface Fact {
  label: MessageKey;
  field: string;
  value: () => string | null | undefined;
  mono?: boolean;
  expired?: () => boolean;
}

export function CiAttributes(props: { ci: CiView; parentName?: string }) {
  const dateFact = (label: MessageKey, field: 'installDate' | 'warrantyEnd' | 'supportEnd', canExpire = false): Fact => ({
    label, field,
    value: () => { const date = props.ci[field]; return date ? formatIsoDate(date) : undefined; },
    expired: () => canExpire && !!props.ci[field] && isPastDate(props.ci[field]!),
  });

  const facts: Fact[] = [
    {
      label: 'cmdb.field.model', field: 'model',
      value: () => (props.ci.model ? modelName(props.ci.model) : undefined),
    },
    { label: 'cmdb.field.serial', field: 'serial', value: () => props.ci.serial, mono: true },
    { label: 'cmdb.field.assetTag', field: 'assetTag', value: () => props.ci.assetTag, mono: true },
    { label: 'cmdb.field.owner', field: 'owner', value: () => props.ci.owner },
    dateFact('cmdb.field.installDate', 'installDate'),
    dateFact('cmdb.field.warrantyEnd', 'warrantyEnd', true),
    dateFact('cmdb.field.supportEnd', 'supportEnd', true),
    { label: 'cmdb.field.maintenanceContract', field: 'maintenanceContract', value: () => props.ci.maintenanceContract },
    { label: 'cmdb.field.maintenanceVendor', field: 'maintenanceVendor', value: () => props.ci.maintenanceVendor },
    {
      label: 'cmdb.field.positionU', field: 'positionU',
      value: () => (props.ci.positionU != null
        ? formatUnitRange(props.ci.positionU, props.ci.model?.uHeight) + (props.ci.face ? ` · ${faceLabel(props.ci.face)}` : '')
        : undefined),
    },
    {
      label: 'cmdb.field.devices', field: 'devices', mono: true,
      value: () => (props.ci.devices?.length ? props.ci.devices.join(', ') : props.ci.device ?? undefined),
    },
  ];

  const modelFacts = (): { label: MessageKey; value: string }[] => {
    const model = props.ci.model;
    if (!model) return [];
    const rows: { label: MessageKey; value: string }[] = [];
    if (model.uHeight != null) rows.push({ label: 'cmdb.field.uHeight', value: formatQuantity(model.uHeight, 'U') });
    if (model.weightKg != null) rows.push({ label: 'cmdb.field.weightKg', value: formatQuantity(model.weightKg, 'kg') });
    if (model.nameplateW != null) rows.push({ label: 'cmdb.field.nameplateW', value: formatQuantity(model.nameplateW, 'W') });
    if (model.psuCount != null) rows.push({ label: 'cmdb.field.psuCount', value: formatQuantity(model.psuCount) });
    return rows;
  };

  const typed = () => attributeSpecsFor(props.ci.type, props.ci.attributes)
    .filter((spec) => props.ci.attributes[spec.name] !== undefined && props.ci.attributes[spec.name] !== null);

  return (
    <section class="panel" data-testid="ci-attributes">
      <header class="panel-header"><h2>{t('cmdb.ci.attributes')}</h2></header>
      <dl class="attr-grid">
        <div data-field="type"><dt>{t('cmdb.field.type')}</dt><dd>{typeLabel(props.ci.type)}</dd></div>
        <Show when={props.ci.parent}>
          {(parent) => (
            <div data-field="parent">
              <dt>{t('cmdb.field.parent')}</dt>
              <dd><CiRefLink ci={{ key: parent(), name: props.parentName ?? parent() }} /></dd>
            </div>
          )}
        </Show>
        <For each={facts}>
          {(fact) => (
            <Show when={fact.value()}>
              {(value) => (
                <div data-field={fact.field}>
                  <dt>{t(fact.label)}</dt>
                  <dd classList={{ mono: fact.mono, expired: fact.expired?.() }}>
                    {value()}
                    <Show when={fact.expired?.()}><span class="expired-chip">{t('cmdb.ci.expired')}</span></Show>
                    <Show when={fact.field === 'model' && modelFacts().length > 0}>
                      <span class="model-facts" data-testid="model-facts">
                        {modelFacts().map((modelFact) => `${t(modelFact.label)} ${modelFact.value}`).join(' · ')}
                      </span>
                    </Show>
                  </dd>
                </div>
              )}
            </Show>
          )}
        </For>
        <Show when={props.ci.tags.length > 0}>
          <div data-field="tags">
            <dt>{t('cmdb.field.tags')}</dt>
            <dd class="tags"><For each={props.ci.tags}>{(tag) => <span class="tag">{tag}</span>}</For></dd>
          </div>
        </Show>
      </dl>

      <h3>{t('cmdb.ci.typed', { type: typeLabel(props.ci.type) })}</h3>
      <Show when={typed().length > 0} fallback={<p class="muted">{t('cmdb.ci.noTyped')}</p>}>
        <dl class="attr-grid" data-testid="ci-typed-attributes">
          <For each={typed()}>
            {(spec) => (
              <div data-field={`attributes.${spec.name}`}>
                <dt>{attributeLabel(spec.name)}</dt>
                <dd>{formatAttribute(spec, props.ci.attributes[spec.name])}</dd>
              </div>
            )}
          </For>
        </dl>
      </Show>

      <Show when={props.ci.links.length > 0}>
        <h3>{t('cmdb.ci.links')}</h3>
        <ul class="link-list">
          <For each={props.ci.links}>
            {(link) => <li><a href={link.url} target="_blank" rel="noopener noreferrer">{link.title}</a></li>}
          </For>
        </ul>
      </Show>

      <Show when={props.ci.updatedAt}>
        {(updatedAt) => (
          <p class="hint ci-updated">
            {t('cmdb.ci.updated', {
              version: props.ci.version,
              time: formatDateTime(Date.parse(updatedAt())),
              actor: props.ci.updatedBy ?? t('app.none'),
            })}
          </p>
        )}
      </Show>
    </section>
  );
}

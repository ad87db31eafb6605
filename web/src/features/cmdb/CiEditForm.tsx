/**
 * Edit form for admins. Problems the browser can see (a required field, a bad number) and those the
 * server names in `details.issues` are shown next to their field; a 409 means someone else saved first,
 * so the form offers to reload rather than overwrite their change.
 */
import { For, Show, createSignal, type JSX } from 'solid-js';
import { createStore } from 'solid-js/store';
import { ApiError } from '../../api/client.ts';
import { CI_STATUSES, cmdbApi, fieldIssuesOf, type CiView, type FieldIssue } from '../../api/cmdb.ts';
import { t } from '../../i18n/index.ts';
import { ErrorBanner } from '../../ui/ErrorBanner.tsx';
import { attributeSpecsFor, type AttributeSpec } from './ciAttributes.ts';
import { DATE_FIELDS, attributePath, buildPatch, formFromCi, placeIssues, type FormValues } from './ciEditModel.ts';
import { attributeLabel, enumLabel, faceLabel, fieldLabel, statusLabel } from './labels.ts';

export interface CiEditFormProps {
  ci: CiView;
  onSaved: (ci: CiView) => void;
  onCancel: () => void;
  /** Reload the CI from the server (after a conflict); the form is rebuilt from the fresh CI. */
  onReload: () => void;
}

const domId = (path: string) => `ci-edit-${path.replace(/[^A-Za-z0-9_-]/g, '-')}`;

export function CiEditForm(props: CiEditFormProps) {
  // The form is built once per CI version: the page remounts it after a reload.
  const ci = props.ci;
  const specs = attributeSpecsFor(ci.type, ci.attributes);
  const [values, setValues] = createStore<FormValues>(formFromCi(ci));
  const [fieldErrors, setFieldErrors] = createSignal<Record<string, string[]>>({});
  const [generalIssues, setGeneralIssues] = createSignal<FieldIssue[]>([]);
  const [notice, setNotice] = createSignal<'invalid' | 'noChanges' | 'conflict'>();
  const [failure, setFailure] = createSignal<unknown>();
  const [saving, setSaving] = createSignal(false);

  const commonPaths = ['name', 'status', 'description', 'model', 'serial', 'assetTag', 'owner', ...DATE_FIELDS,
    'maintenanceContract', 'maintenanceVendor', 'parent', 'positionU', 'face', 'devices', 'tags'];
  const allPaths = [...commonPaths, ...specs.map((spec) => attributePath(spec.name))];

  const text = (path: string) => {
    const value = values[path];
    return Array.isArray(value) ? value.join(',') : value ?? '';
  };
  const set = (path: string, value: string | string[]) => {
    setValues(path, value);
    if (fieldErrors()[path]) setFieldErrors(({ [path]: _cleared, ...rest }) => rest);
  };

  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    if (saving()) return;
    setNotice(undefined);
    setFailure(undefined);
    setGeneralIssues([]);
    const { patch, errors } = buildPatch(ci, { ...values });
    const local = Object.fromEntries(Object.entries(errors).map(([path, key]) => [path, [t(key)]]));
    setFieldErrors(local);
    if (Object.keys(local).length > 0) { setNotice('invalid'); return; }
    if (!patch) { setNotice('noChanges'); return; }
    setSaving(true);
    try {
      const saved = await cmdbApi.updateCi(ci.key, patch);
      props.onSaved(saved.ci);
    } catch (cause) {
      const issues = fieldIssuesOf(cause);
      if (cause instanceof ApiError && cause.status === 409) {
        setNotice('conflict');
      } else if (issues.length > 0) {
        const placed = placeIssues(issues, allPaths);
        setFieldErrors(placed.byField);
        setGeneralIssues(placed.general);
        setNotice('invalid');
      } else {
        setFailure(cause);
      }
    } finally {
      setSaving(false);
    }
  };

  function Field(fieldProps: { path: string; label: string; hint?: string; children: JSX.Element; wide?: boolean }) {
    const errors = () => fieldErrors()[fieldProps.path] ?? [];
    return (
      <div class="form-field" classList={{ wide: fieldProps.wide, invalid: errors().length > 0 }} data-field={fieldProps.path}>
        <label for={domId(fieldProps.path)}>{fieldProps.label}</label>
        {fieldProps.children}
        <Show when={fieldProps.hint}><span class="hint">{fieldProps.hint}</span></Show>
        <For each={errors()}>
          {(message) => <span class="field-error" id={`${domId(fieldProps.path)}-error`} role="alert">{message}</span>}
        </For>
      </div>
    );
  }

  const invalid = (path: string) => (fieldErrors()[path]?.length ?? 0) > 0;
  const textInput = (path: string, type = 'text') => (
    <input id={domId(path)} name={path} type={type} value={text(path)} aria-invalid={invalid(path)}
      aria-describedby={invalid(path) ? `${domId(path)}-error` : undefined}
      onInput={(event) => set(path, event.currentTarget.value)} />
  );

  const attributeInput = (spec: AttributeSpec) => {
    const path = attributePath(spec.name);
    switch (spec.kind) {
      case 'enum':
        return (
          <select id={domId(path)} name={path} value={text(path)} aria-invalid={invalid(path)}
            onChange={(event) => set(path, event.currentTarget.value)}>
            <option value="">{t('cmdb.edit.unset')}</option>
            <For each={spec.options}>{(option) => <option value={option}>{enumLabel(spec.name, option)}</option>}</For>
          </select>
        );
      case 'boolean':
        return (
          <select id={domId(path)} name={path} value={text(path)} aria-invalid={invalid(path)}
            onChange={(event) => set(path, event.currentTarget.value)}>
            <option value="">{t('cmdb.edit.unset')}</option>
            <option value="true">{t('cmdb.yes')}</option>
            <option value="false">{t('cmdb.no')}</option>
          </select>
        );
      case 'list': {
        const selected = () => (Array.isArray(values[path]) ? values[path] as string[] : []);
        return (
          <div class="checkbox-list" id={domId(path)} role="group">
            <For each={spec.options}>
              {(option) => (
                <label class="checkbox">
                  <input type="checkbox" checked={selected().includes(option)}
                    onChange={(event) => set(path, event.currentTarget.checked
                      ? [...selected(), option]
                      : selected().filter((item) => item !== option))} />
                  {enumLabel(spec.name, option)}
                </label>
              )}
            </For>
          </div>
        );
      }
      case 'number':
        return (
          <span class="with-unit">
            <input id={domId(path)} name={path} type="text" inputmode="decimal" value={text(path)} aria-invalid={invalid(path)}
              onInput={(event) => set(path, event.currentTarget.value)} />
            <Show when={spec.unit}><span class="unit">{spec.unit}</span></Show>
          </span>
        );
      default:
        return textInput(path);
    }
  };

  return (
    <form class="panel ci-edit" data-testid="ci-edit-form" onSubmit={(event) => void submit(event)} novalidate>
      <header class="panel-header">
        <h2>{t('cmdb.edit.title', { name: ci.name })}</h2>
      </header>

      <Show when={notice() === 'conflict'}>
        <div class="error-banner" role="alert" data-testid="ci-edit-conflict">
          <div class="error-text"><strong>{t('cmdb.edit.conflict')}</strong></div>
          <button type="button" onClick={() => props.onReload()}>{t('cmdb.edit.reload')}</button>
        </div>
      </Show>
      <Show when={notice() === 'invalid'}>
        <p class="form-error" role="alert">{t('cmdb.edit.invalid')}</p>
        <For each={generalIssues()}>
          {(issue) => <p class="field-error">{issue.path ? `${fieldLabel(issue.path)}: ` : ''}{issue.message}</p>}
        </For>
      </Show>
      <Show when={notice() === 'noChanges'}><p class="muted" role="status">{t('cmdb.edit.noChanges')}</p></Show>
      <Show when={failure()}>{(error) => <ErrorBanner error={error()} onDismiss={() => setFailure(undefined)} />}</Show>

      <div class="form-grid">
        <Field path="name" label={t('cmdb.field.name')}>{textInput('name')}</Field>
        <Field path="status" label={t('cmdb.field.status')}>
          <select id={domId('status')} name="status" value={text('status')} onChange={(event) => set('status', event.currentTarget.value)}>
            <For each={CI_STATUSES}>{(status) => <option value={status}>{statusLabel(status)}</option>}</For>
          </select>
        </Field>
        <Field path="model" label={t('cmdb.field.model')}>{textInput('model')}</Field>
        <Field path="serial" label={t('cmdb.field.serial')}>{textInput('serial')}</Field>
        <Field path="assetTag" label={t('cmdb.field.assetTag')}>{textInput('assetTag')}</Field>
        <Field path="owner" label={t('cmdb.field.owner')}>{textInput('owner')}</Field>
        <For each={DATE_FIELDS}>
          {(field) => <Field path={field} label={fieldLabel(field)}>{textInput(field, 'date')}</Field>}
        </For>
        <Field path="maintenanceContract" label={t('cmdb.field.maintenanceContract')}>{textInput('maintenanceContract')}</Field>
        <Field path="maintenanceVendor" label={t('cmdb.field.maintenanceVendor')}>{textInput('maintenanceVendor')}</Field>
        <Field path="parent" label={t('cmdb.field.parent')}>{textInput('parent')}</Field>
        <Field path="positionU" label={t('cmdb.field.positionU')}>{textInput('positionU')}</Field>
        <Field path="face" label={t('cmdb.field.face')}>
          <select id={domId('face')} name="face" value={text('face')} onChange={(event) => set('face', event.currentTarget.value)}>
            <option value="">{t('cmdb.edit.unset')}</option>
            <option value="front">{faceLabel('front')}</option>
            <option value="rear">{faceLabel('rear')}</option>
          </select>
        </Field>
        <Field path="devices" label={t('cmdb.field.devices')} hint={t('cmdb.edit.devicesHint')}>{textInput('devices')}</Field>
        <Field path="tags" label={t('cmdb.field.tags')} hint={t('cmdb.edit.tagsHint')}>{textInput('tags')}</Field>
        <Field path="description" label={t('cmdb.field.description')} wide>
          <textarea id={domId('description')} name="description" rows={3} value={text('description')}
            onInput={(event) => set('description', event.currentTarget.value)} />
        </Field>
      </div>

      <Show when={specs.length > 0}>
        <h3>{t('cmdb.field.attributes')}</h3>
        <div class="form-grid">
          <For each={specs}>
            {(spec) => (
              <Field path={attributePath(spec.name)} label={attributeLabel(spec.name)}
                hint={spec.kind === 'number' && spec.fraction ? t('cmdb.edit.fractionHint') : undefined}>
                {attributeInput(spec)}
              </Field>
            )}
          </For>
        </div>
      </Show>

      <div class="form-actions">
        <button type="submit" class="primary" data-testid="ci-edit-save" disabled={saving()}>
          {saving() ? t('cmdb.edit.saving') : t('cmdb.edit.save')}
        </button>
        <button type="button" class="ghost" onClick={() => props.onCancel()}>{t('cmdb.edit.cancel')}</button>
      </div>
    </form>
  );
}

/**
 * Administration: who may use Kiban (API tokens and their roles), which collectors are connected, and the
 * devices they poll. Creating a token shows its secret once; tokens are never shown again after that.
 */
import { For, Show, createResource, createSignal } from 'solid-js';
import { ApiError, request } from '../../api/client.ts';
import type { Device, ListResponse } from '../../api/types.ts';
import { formatDateTime, t, type MessageKey } from '../../i18n/index.ts';
import { href } from '../../shell/route.ts';
import { ErrorBanner } from '../../ui/ErrorBanner.tsx';
import { typeLabel } from '../cmdb/labels.ts';
import './admin.css';

interface TokenRow { name: string; role: 'admin' | 'viewer' | 'collector'; createdAt: string; lastUsedAt: string | null; revokedAt: string | null }
interface CollectorRow { name: string; configVersion: number; targetCount: number; bound: boolean; version: string | null; hostname: string | null; registeredAt: string | null; lastSeenAt: string | null }

const ROLES = ['viewer', 'admin', 'collector'] as const;
const when = (iso: string | null) => (iso ? formatDateTime(Date.parse(iso)) : t('app.none'));
const roleLabel = (role: string) => t(`shell.role.${role}` as MessageKey);

function TokensPanel() {
  const [tokens, { refetch }] = createResource(() => request<ListResponse<TokenRow>>('GET', '/tokens').then((r) => r.items));
  const [name, setName] = createSignal('');
  const [role, setRole] = createSignal<(typeof ROLES)[number]>('viewer');
  const [created, setCreated] = createSignal<{ name: string; token: string }>();
  const [error, setError] = createSignal<unknown>();
  const forbidden = () => tokens.error instanceof ApiError && tokens.error.status === 403;

  const create = async (event: SubmitEvent) => {
    event.preventDefault();
    setError(undefined);
    try {
      const answer = await request<{ name: string; token: string }>('POST', '/tokens', { body: { name: name().trim(), role: role() } });
      setCreated(answer);
      setName('');
      void refetch();
    } catch (caught) {
      setError(caught);
    }
  };

  return (
    <section class="panel" aria-labelledby="admin-tokens" data-testid="admin-tokens">
      <div class="panel-header"><h2 id="admin-tokens">{t('admin.tokens.title')}</h2></div>
      <Show when={!forbidden()} fallback={<p class="muted">{t('admin.adminOnly')}</p>}>
        <Show when={tokens.error && !forbidden()}><ErrorBanner error={tokens.error} onRetry={() => void refetch()} /></Show>
        <table class="points">
          <thead><tr>
            <th scope="col">{t('admin.tokens.name')}</th><th scope="col">{t('admin.tokens.role')}</th>
            <th scope="col">{t('admin.tokens.created')}</th><th scope="col">{t('admin.tokens.lastUsed')}</th>
          </tr></thead>
          <tbody>
            <For each={tokens() ?? []}>
              {(row) => (
                <tr classList={{ revoked: row.revokedAt !== null }}>
                  <td class="mono">{row.name}</td><td>{roleLabel(row.role)}</td>
                  <td>{when(row.createdAt)}</td><td>{when(row.lastUsedAt)}</td>
                </tr>
              )}
            </For>
          </tbody>
        </table>
        <form class="token-form" onSubmit={create} data-testid="token-form">
          <label>{t('admin.tokens.name')}
            <input required pattern="[A-Za-z0-9][A-Za-z0-9._:\-]*" maxLength={128} value={name()} onInput={(e) => setName(e.currentTarget.value)} />
          </label>
          <label>{t('admin.tokens.role')}
            <select value={role()} onChange={(e) => setRole(e.currentTarget.value as (typeof ROLES)[number])}>
              <For each={ROLES}>{(r) => <option value={r}>{roleLabel(r)}</option>}</For>
            </select>
          </label>
          <button type="submit" class="primary">{t('admin.tokens.create')}</button>
        </form>
        <Show when={error()}><ErrorBanner error={error()} onDismiss={() => setError(undefined)} /></Show>
        <Show when={created()}>
          {(token) => (
            <div class="token-secret" role="status" data-testid="token-secret">
              <p>{t('admin.tokens.secretOnce', { name: token().name })}</p>
              <code class="mono">{token().token}</code>
            </div>
          )}
        </Show>
      </Show>
    </section>
  );
}

function CollectorsPanel() {
  const [collectors, { refetch }] = createResource(() => request<ListResponse<CollectorRow>>('GET', '/collectors').then((r) => r.items));
  return (
    <section class="panel" aria-labelledby="admin-collectors" data-testid="admin-collectors">
      <div class="panel-header"><h2 id="admin-collectors">{t('admin.collectors.title')}</h2></div>
      <Show when={collectors.error}><ErrorBanner error={collectors.error} onRetry={() => void refetch()} /></Show>
      <table class="points">
        <thead><tr>
          <th scope="col">{t('admin.collectors.name')}</th><th scope="col">{t('admin.collectors.host')}</th>
          <th scope="col">{t('admin.collectors.version')}</th><th scope="col" class="num">{t('admin.collectors.targets')}</th>
          <th scope="col" class="num">{t('admin.collectors.config')}</th><th scope="col">{t('admin.collectors.lastSeen')}</th>
        </tr></thead>
        <tbody>
          <For each={collectors() ?? []} fallback={<tr><td colSpan={6} class="empty">{t('admin.collectors.none')}</td></tr>}>
            {(row) => (
              <tr>
                <td class="mono">{row.name}</td><td>{row.hostname ?? t('app.none')}</td><td>{row.version ?? t('app.none')}</td>
                <td class="num">{row.targetCount}</td><td class="num">{row.configVersion}</td><td>{when(row.lastSeenAt)}</td>
              </tr>
            )}
          </For>
        </tbody>
      </table>
    </section>
  );
}

function DevicesPanel() {
  const [devices, { refetch }] = createResource(() => request<ListResponse<Device>>('GET', '/devices').then((r) => r.items));
  return (
    <section class="panel" aria-labelledby="admin-devices" data-testid="admin-devices">
      <div class="panel-header">
        <h2 id="admin-devices">{t('admin.devices.title')}</h2>
        <span class="muted">{t('admin.devices.count', { count: devices()?.length ?? 0 })}</span>
      </div>
      <Show when={devices.error}><ErrorBanner error={devices.error} onRetry={() => void refetch()} /></Show>
      <table class="points">
        <thead><tr>
          <th scope="col">{t('admin.devices.name')}</th><th scope="col">{t('admin.devices.kind')}</th>
          <th scope="col">{t('admin.devices.protocol')}</th><th scope="col">{t('admin.devices.address')}</th>
          <th scope="col">{t('admin.devices.model')}</th><th scope="col">{t('admin.devices.collector')}</th>
        </tr></thead>
        <tbody>
          <For each={devices() ?? []}>
            {(row) => (
              <tr>
                <td><a class="mono" href={href.device(row.name)}>{row.name}</a></td>
                <td>{typeLabel(row.kind)}</td><td>{row.protocol}</td><td class="mono">{row.address ?? t('app.none')}</td>
                <td>{[row.vendor, row.model].filter(Boolean).join(' ') || t('app.none')}</td>
                <td class="mono">{row.collector ?? t('app.none')}</td>
              </tr>
            )}
          </For>
        </tbody>
      </table>
    </section>
  );
}

export function AdminPage(_props: Record<string, never>) {
  return (
    <main class="page admin-page" data-testid="admin-page">
      <h1>{t('admin.title')}</h1>
      <TokensPanel />
      <CollectorsPanel />
      <DevicesPanel />
    </main>
  );
}

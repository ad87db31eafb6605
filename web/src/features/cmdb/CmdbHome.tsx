/**
 * The CMDB landing page: how to find a CI, and where the records disagree with what the collectors
 * actually see (a device nobody documented, a serial that does not match, a CI whose device went quiet).
 */
import { For, Show, createResource } from 'solid-js';
import { cmdbApi, type AuditFinding } from '../../api/cmdb.ts';
import { formatDateTime, t } from '../../i18n/index.ts';
import { CiRefLink } from './CiRefLink.tsx';
import { Loadable, settled } from './Loadable.tsx';
import { fieldLabel, formatChangeValue, severityLabel, tMaybe } from './labels.ts';

const SEVERITY_ORDER = ['critical', 'high', 'error', 'medium', 'warning', 'low', 'info'];

function sortFindings(items: readonly AuditFinding[]): AuditFinding[] {
  const rank = (severity: string) => { const i = SEVERITY_ORDER.indexOf(severity); return i < 0 ? SEVERITY_ORDER.length : i; };
  return [...items].sort((a, b) => rank(a.severity) - rank(b.severity) || (a.ci ?? a.device ?? '').localeCompare(b.ci ?? b.device ?? ''));
}

export function CmdbHome() {
  const [audit, { refetch }] = createResource(() => cmdbApi.audit());
  return (
    <div class="cmdb-home" data-testid="cmdb-home">
      <section class="panel">
        <h1>{t('cmdb.title')}</h1>
        <p class="muted">{t('cmdb.home.intro')}</p>
      </section>
      <section class="panel" data-testid="cmdb-audit">
        <header class="panel-header">
          <h2>{t('cmdb.audit.title')}</h2>
          <Show when={settled(audit)}>
            {(report) => <span class="hint" data-testid="audit-checked-at">{t('cmdb.audit.checkedAt', { time: formatDateTime(Date.parse(report().checkedAt)) })}</span>}
          </Show>
          <span class="spacer" />
          <button type="button" class="ghost" onClick={() => void refetch()}>{t('cmdb.refresh')}</button>
        </header>
        <Loadable resource={audit} onRetry={refetch}>
          {(report) => (
            <Show when={report.items.length > 0} fallback={<p class="muted">{t('cmdb.audit.none')}</p>}>
              <div class="table-scroll">
                <table class="points cmdb-table">
                  <thead>
                    <tr>
                      <th scope="col">{t('cmdb.audit.severity')}</th>
                      <th scope="col">{t('cmdb.audit.kind')}</th>
                      <th scope="col">{t('cmdb.audit.ci')}</th>
                      <th scope="col">{t('cmdb.audit.device')}</th>
                      <th scope="col">{t('cmdb.audit.field')}</th>
                      <th scope="col">{t('cmdb.audit.documented')}</th>
                      <th scope="col">{t('cmdb.audit.discovered')}</th>
                      <th scope="col">{t('cmdb.audit.message')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    <For each={sortFindings(report.items)}>
                      {(finding) => (
                        <tr data-kind={finding.kind}>
                          <td><span class="severity-chip" data-severity={finding.severity}>{severityLabel(finding.severity)}</span></td>
                          <td>{tMaybe(`cmdb.auditKind.${finding.kind}`) ?? finding.kind}</td>
                          <td>{finding.ci ? <CiRefLink ci={{ key: finding.ci, name: finding.ci }} /> : t('app.none')}</td>
                          <td class="mono">{finding.device ?? t('app.none')}</td>
                          <td>{finding.field ? fieldLabel(finding.field) : t('app.none')}</td>
                          <td>{finding.field ? formatChangeValue(finding.field, finding.documented) : t('app.none')}</td>
                          <td>{finding.field ? formatChangeValue(finding.field, finding.discovered) : t('app.none')}</td>
                          <td class="small wrap">{finding.message}</td>
                        </tr>
                      )}
                    </For>
                  </tbody>
                </table>
              </div>
            </Show>
          )}
        </Loadable>
      </section>
    </div>
  );
}

import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { AUDIT_KINDS, auditActionText, type AuditEntryView, type AuditKind } from '../../common/audit';
import { STAGE_NAMES, type StageName } from '../../common/contract';
import { message, renderMessage } from '../../common/messages';
import { useFormat, useMessageLang } from '../lib/format';
import { routeHref } from '../lib/router';
import { useLoad } from '../lib/use-load';
import { useApi, useAppEvents } from '../state/connection';
import { describeError } from '../state/toasts';
import { CsvDownloadButton } from './CsvDownloadButton';

interface Filter {
  stage?: StageName | undefined;
  actor?: string | undefined;
  kind?: AuditKind | undefined;
}

/** The filter without its unset fields (the contract's optional fields take no `undefined`). */
function definedOnly(filter: Filter): { stage?: StageName; actor?: string; kind?: AuditKind } {
  return Object.fromEntries(Object.entries(filter).filter(([, v]) => v !== undefined));
}

/** A project's audit trail: every entry the store keeps, read only, filterable and exportable. */
export function HistoryPage({ projectId }: { projectId: number }) {
  const { t } = useTranslation();
  const api = useApi();
  const lang = useMessageLang();
  const [filter, setFilter] = useState<Filter>({});
  const [revision, setRevision] = useState(0);
  const project = useLoad(() => api['projects.get']({ projectId }), [api, projectId]);
  const trail = useLoad(() => api['audit.list']({ projectId, ...definedOnly(filter) }), [api, projectId, filter, revision]);
  useAppEvents((event) => {
    if (event.projectId === projectId && event.type !== 'run.progress') setRevision((r) => r + 1);
  });

  /** One filter changed; '' (or a value no longer offered) removes it. */
  const select = (key: keyof Filter, value: string, allowed: readonly string[]) => {
    setFilter((f) => ({ ...f, [key]: allowed.includes(value) ? value : undefined }));
  };

  return (
    <div className="page">
      <div className="breadcrumbs">
        <a href={routeHref({ page: 'project', projectId, stage: null })} data-testid="back-to-project">
          ← {project.data?.project.name ?? t('history.backToProject')}
        </a>
      </div>
      <div className="page-head">
        <h1 data-testid="history-title">{t('history.title')}</h1>
        <p className="muted">{t('history.intro')}</p>
      </div>
      <section className="card" aria-label={t('history.filters')}>
        <div className="history-filters">
          <label className="field">
            <span>{t('history.stage')}</span>
            <select data-testid="history-stage" value={filter.stage ?? ''} onChange={(e) => { select('stage', e.target.value, STAGE_NAMES); }}>
              <option value="">{t('history.all')}</option>
              {STAGE_NAMES.map((s) => (
                <option key={s} value={s}>
                  {t(`stage.${s}.name`)}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            <span>{t('history.person')}</span>
            <select data-testid="history-actor" value={filter.actor ?? ''} onChange={(e) => { select('actor', e.target.value, trail.data?.actors ?? []); }}>
              <option value="">{t('history.all')}</option>
              {(trail.data?.actors ?? (filter.actor === undefined ? [] : [filter.actor])).map((a) => (
                <option key={a} value={a}>
                  {a}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            <span>{t('history.kind')}</span>
            <select data-testid="history-kind" value={filter.kind ?? ''} onChange={(e) => { select('kind', e.target.value, AUDIT_KINDS); }}>
              <option value="">{t('history.all')}</option>
              {AUDIT_KINDS.map((k) => (
                <option key={k} value={k}>
                  {renderMessage(message(`audit.kind.${k}`), lang)}
                </option>
              ))}
            </select>
          </label>
          <CsvDownloadButton label={t('history.exportCsv')} testId="history-csv" load={() => api['audit.exportCsv']({ projectId, ...definedOnly(filter) })} />
        </div>
        {trail.error !== null && (
          <p className="banner error" role="alert">
            {describeError(trail.error, t)}
          </p>
        )}
        {trail.data !== null && <AuditTable entries={trail.data.entries} />}
      </section>
    </div>
  );
}

export function AuditTable({ entries, testId = 'history-table' }: { entries: readonly AuditEntryView[]; testId?: string }) {
  const { t } = useTranslation();
  const format = useFormat();
  const lang = useMessageLang();
  if (entries.length === 0) return <p className="empty">{t('history.empty')}</p>;
  return (
    <div className="table-wrap">
      <table className="table" data-testid={testId}>
        <thead>
          <tr>
            <th scope="col">{t('history.at')}</th>
            <th scope="col">{t('history.person')}</th>
            <th scope="col">{t('history.what')}</th>
            <th scope="col">{t('history.change')}</th>
            <th scope="col">{t('history.reason')}</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((e) => (
            <tr key={e.id} data-testid="history-entry" data-action={e.action} data-stage={e.stage ?? ''}>
              <td>{format.dateTime(e.at)}</td>
              <td>{e.actor}</td>
              <td>
                {auditActionText(e.action, lang)}
                {e.stage !== null && <span className="muted"> · {t(`stage.${e.stage}.name`)}</span>}
                {e.target !== null && <div className="muted small">{e.target}</div>}
              </td>
              <td>{e.before === null && e.after === null ? '—' : `${e.before ?? '—'} → ${e.after ?? '—'}`}</td>
              <td data-testid="history-reason">{e.reason ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { STAGE_NAMES, type AppEvent, type Stage, type StageName } from '../../common/contract';
import { routeHref } from '../lib/router';
import type { LiveProgress } from '../lib/runs';
import { useLoad, useThrottled } from '../lib/use-load';
import { useApi, useAppEvents, useLinkState } from '../state/connection';
import { describeError } from '../state/toasts';
import { AuditTable } from './HistoryPage';
import { downloadBlob } from '../lib/download';
import { StagePanel } from './StagePanel';

/** The project wizard: Pilot → Benchmark → Production, one stage shown at a time. */
export function ProjectPage({ projectId, stage }: { projectId: number; stage: StageName | null }) {
  const { t } = useTranslation();
  const api = useApi();
  const detail = useLoad(() => api['projects.get']({ projectId }), [api, projectId]);
  const runs = useLoad(() => api['runs.list']({ projectId }), [api, projectId]);
  const [live, setLive] = useState<ReadonlyMap<number, LiveProgress>>(new Map());
  /** Bumped on every change to this project, so panels that load their own data (the gate) reload too. */
  const [revision, setRevision] = useState(0);

  const reloadDetail = useThrottled(() => {
    detail.reload();
    setRevision((r) => r + 1);
  }, 150);
  const reloadRuns = useThrottled(() => {
    runs.reload();
    setRevision((r) => r + 1);
  }, 250);

  useAppEvents((event: AppEvent) => {
    if (event.projectId !== projectId) return;
    if (event.type === 'project.changed') {
      reloadDetail();
      reloadRuns();
    } else if (event.type === 'run.status') {
      reloadRuns();
      if (event.status !== 'running' && event.status !== 'queued') {
        setLive((map) => {
          if (!map.has(event.runId)) return map;
          const next = new Map(map);
          next.delete(event.runId);
          return next;
        });
      }
    } else {
      const training = event.event;
      if (training.type === 'epoch') reloadRuns();
      setLive((map) => {
        const next = new Map(map);
        const before = map.get(event.runId) ?? { phase: 'prepare' as const, step: null, at: Date.now() };
        if (training.type === 'step') next.set(event.runId, { phase: training.phase, step: training, at: Date.now() });
        else if (training.type === 'phase') next.set(event.runId, { ...before, phase: training.phase, at: Date.now() });
        else next.set(event.runId, { ...before, at: Date.now() });
        return next;
      });
    }
  });

  // Events sent while the link was down are lost: reload once it is back.
  const link = useLinkState();
  const previousLink = useRef(link);
  useEffect(() => {
    if (previousLink.current === 'reconnecting' && link === 'open') {
      reloadDetail();
      reloadRuns();
    }
    previousLink.current = link;
  }, [link, reloadDetail, reloadRuns]);

  if (detail.error !== null && detail.data === null) {
    return (
      <div className="page">
        <p className="banner error" role="alert">
          {describeError(detail.error, t)}
        </p>
        <a href={routeHref({ page: 'projects' })}>{t('project.backToProjects')}</a>
      </div>
    );
  }
  if (detail.data === null) return <p className="page muted">{t('common.loading')}</p>;

  const { project, stages, checklist } = detail.data;
  const current = stages.find((s) => s.stage === stage) ?? stages.find((s) => s.status === 'active') ?? stages[0];
  if (!current) return <p className="page muted">{t('common.loading')}</p>;

  return (
    <div className="page">
      <div className="breadcrumbs">
        <a href={routeHref({ page: 'projects' })} data-testid="back-to-projects">
          ← {t('project.backToProjects')}
        </a>
      </div>
      <div className="page-head">
        <h1 data-testid="project-title">{project.name}</h1>
        {project.description !== '' && <p className="muted project-description-full">{project.description}</p>}
        <a className="button" href={routeHref({ page: 'history', projectId })} data-testid="history-link">
          {t('history.open')}
        </a>
        <ReportButton projectId={projectId} />
      </div>
      <Stepper projectId={projectId} stages={stages} selected={current.stage} />
      <StagePanel
        key={current.stage}
        projectId={projectId}
        stage={current}
        previous={stages[STAGE_NAMES.indexOf(current.stage) - 1] ?? null}
        checklist={checklist.filter((item) => item.stage === current.stage).sort((a, b) => a.position - b.position)}
        runs={(runs.data ?? []).filter((run) => run.stage === current.stage)}
        runsError={runs.error}
        live={live}
        revision={revision}
        onChanged={() => {
          reloadDetail();
          reloadRuns();
        }}
      />
      <DecisionHistory projectId={projectId} revision={revision} />
    </div>
  );
}

const REPORT_FORMATS = ['pdf', 'pptx', 'md', 'html', 'csv'] as const;

/** One click from what the store holds to the report management reads; the language is the report's own. */
function ReportButton({ projectId }: { projectId: number }) {
  const { t, i18n } = useTranslation();
  const api = useApi();
  const [format, setFormat] = useState<(typeof REPORT_FORMATS)[number]>('pdf');
  const [lang, setLang] = useState<'en' | 'ja'>(i18n.language === 'ja' ? 'ja' : 'en');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const generate = async () => {
    setBusy(true);
    setError(null);
    try {
      const report = await api['reports.generate']({ projectId, format, lang });
      const bytes = Uint8Array.from(atob(report.base64), (c) => c.charCodeAt(0));
      downloadBlob(report.fileName, new Blob([bytes], { type: report.mime }));
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="report-bar" role="group" aria-label={t('project.report')}>
      <label>
        {t('project.reportFormat')}{' '}
        <select data-testid="report-format" value={format} onChange={(e) => { setFormat(e.target.value as (typeof REPORT_FORMATS)[number]); }}>
          {REPORT_FORMATS.map((f) => (
            <option key={f} value={f}>
              {f.toUpperCase()}
            </option>
          ))}
        </select>
      </label>
      <label>
        {t('project.reportLanguage')}{' '}
        <select data-testid="report-lang" value={lang} onChange={(e) => { setLang(e.target.value === 'ja' ? 'ja' : 'en'); }}>
          <option value="en">English</option>
          <option value="ja">日本語</option>
        </select>
      </label>
      <button
        type="button"
        className="button"
        disabled={busy}
        data-testid="download-report"
        onClick={() => {
          void generate();
        }}
      >
        {busy ? t('project.generating') : t('project.downloadReport')}
      </button>
      {error !== null && (
        <span className="inline-error" role="alert">
          {describeError(error, t)}
        </span>
      )}
    </div>
  );
}

function Stepper({ projectId, stages, selected }: { projectId: number; stages: readonly Stage[]; selected: StageName }) {
  const { t } = useTranslation();
  return (
    <nav className="stepper" aria-label={t('project.stages')}>
      <ol>
        {stages.map((stage, index) => (
          <li key={stage.stage} className={`step step-${stage.status}${stage.stage === selected ? ' step-selected' : ''}`}>
            <a
              href={routeHref({ page: 'project', projectId, stage: stage.stage })}
              aria-current={stage.stage === selected ? 'step' : undefined}
              data-testid={`stage-tab-${stage.stage}`}
              data-status={stage.status}
            >
              <span className="step-number" aria-hidden="true">
                {stage.status === 'passed' ? '✓' : index + 1}
              </span>
              <span className="step-text">
                <span className="step-name">{t(`stage.${stage.stage}.name`)}</span>
                <span className={`badge badge-${stage.status}`} data-testid={`stage-status-${stage.stage}`}>
                  {t(`stageStatus.${stage.status}`)}
                </span>
              </span>
            </a>
          </li>
        ))}
      </ol>
    </nav>
  );
}

/** Every gate decision and reopening from the audit trail (a reopened stage's earlier decisions stay listed). */
function DecisionHistory({ projectId, revision }: { projectId: number; revision: number }) {
  const { t } = useTranslation();
  const api = useApi();
  const trail = useLoad(() => api['audit.list']({ projectId, kind: 'stage' }), [api, projectId, revision]);
  const decisions = (trail.data?.entries ?? []).filter((e) => DECISION_ACTIONS.includes(e.action));
  return (
    <section className="card" aria-labelledby="decision-history-title" data-testid="decision-history">
      <h2 id="decision-history-title">{t('decisions.title')}</h2>
      {trail.data !== null && decisions.length === 0 ? <p className="empty">{t('decisions.empty')}</p> : <AuditTable entries={decisions} testId="decision-table" />}
      <p className="muted small">
        {t('decisions.allDecisions')} <a href={routeHref({ page: 'history', projectId })} data-testid="open-history">{t('history.open')}</a>
      </p>
    </section>
  );
}

const DECISION_ACTIONS: readonly string[] = ['stage.pass', 'stage.override', 'stage.reopen'];

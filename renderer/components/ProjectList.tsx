import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useFormat } from '../lib/format';
import { navigate, routeHref } from '../lib/router';
import { useLoad } from '../lib/use-load';
import { useApi } from '../state/connection';
import { describeError, useToasts } from '../state/toasts';

export function ProjectList() {
  const { t } = useTranslation();
  const api = useApi();
  const format = useFormat();
  const { showError, notify } = useToasts();
  const projects = useLoad(() => api['projects.list']({}), [api]);
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [busy, setBusy] = useState(false);

  const create = async () => {
    setBusy(true);
    try {
      const project = await api['projects.create']({ name, description });
      // Only a successful create clears the form; on an error, what was typed stays.
      setName('');
      setDescription('');
      notify('success', (tr) => tr('projects.created', { name: project.name }));
      navigate({ page: 'project', projectId: project.id, stage: null });
    } catch (error) {
      showError(error);
    } finally {
      setBusy(false);
    }
  };

  const list = projects.data ?? [];
  return (
    <div className="page">
      <div className="page-head">
        <h1>{t('projects.title')}</h1>
        <p className="muted">{t('projects.intro')}</p>
      </div>
      <div className="columns">
        <section className="card" aria-labelledby="new-project-title">
          <h2 id="new-project-title">{t('projects.newTitle')}</h2>
          <form
            className="form"
            onSubmit={(event) => {
              event.preventDefault();
              void create();
            }}
          >
            <label className="field">
              <span>{t('projects.name')}</span>
              <input
                value={name}
                maxLength={200}
                required
                data-testid="project-name"
                placeholder={t('projects.namePlaceholder')}
                onChange={(event) => {
                  setName(event.target.value);
                }}
              />
            </label>
            <label className="field">
              <span>{t('projects.description')}</span>
              <textarea
                value={description}
                rows={3}
                maxLength={10000}
                data-testid="project-description"
                placeholder={t('projects.descriptionPlaceholder')}
                onChange={(event) => {
                  setDescription(event.target.value);
                }}
              />
            </label>
            <div className="actions">
              <button type="submit" className="button primary" disabled={busy || name.trim() === ''} data-testid="project-create">
                {t('projects.create')}
              </button>
            </div>
          </form>
        </section>
        <section className="card grow" aria-labelledby="project-list-title">
          <h2 id="project-list-title">{t('projects.listTitle')}</h2>
          {projects.error !== null && (
            <p className="banner error" role="alert">
              {describeError(projects.error, t)}{' '}
              <button type="button" className="button small" onClick={projects.reload}>
                {t('common.retry')}
              </button>
            </p>
          )}
          {projects.loading && projects.data === null && <p className="muted">{t('common.loading')}</p>}
          {!projects.loading && projects.error === null && list.length === 0 && (
            <p className="empty" data-testid="projects-empty">
              {t('projects.empty')}
            </p>
          )}
          <ul className="project-list" data-testid="project-list">
            {list.map((project) => (
              <li key={project.id} data-testid="project-item" data-project-id={project.id}>
                <a href={routeHref({ page: 'project', projectId: project.id, stage: null })} className="project-link" data-testid="project-link">
                  <span className="project-name" data-testid="project-item-name">
                    {project.name}
                  </span>
                  {project.description !== '' && <span className="project-description">{project.description}</span>}
                  <span className="project-meta">{t('projects.createdAt', { date: format.dateTime(project.createdAt) })}</span>
                </a>
              </li>
            ))}
          </ul>
        </section>
      </div>
    </div>
  );
}

import { useTranslation } from 'react-i18next';
import { LANGUAGES, applyLanguage, type Language } from '../i18n/index';
import { routeHref } from '../lib/router';
import { useActor } from '../state/actor';
import { useApi, useLinkState } from '../state/connection';
import { useToasts } from '../state/toasts';

export function Header() {
  const { t, i18n } = useTranslation();
  const api = useApi();
  const { showError } = useToasts();
  const { actor, changeActor } = useActor();
  const link = useLinkState();
  const current = i18n.resolvedLanguage ?? i18n.language;

  const switchTo = (language: Language) => {
    void applyLanguage(language);
    api['settings.set']({ key: 'language', value: language }).catch(showError);
  };

  return (
    <header className="header">
      <a className="brand" href={routeHref({ page: 'projects' })} data-testid="brand">
        <span className="brand-mark" aria-hidden="true">
          D
        </span>
        <span className="brand-text">
          <span className="brand-name">{t('app.name')}</span>
          <span className="brand-tagline">{t('app.tagline')}</span>
        </span>
      </a>
      <nav className="header-nav" aria-label={t('header.navigation')}>
        <a href={routeHref({ page: 'projects' })} data-testid="nav-projects">
          {t('header.projects')}
        </a>
        <a href={routeHref({ page: 'settings' })} data-testid="nav-settings">
          {t('header.settings')}
        </a>
      </nav>
      <div className="header-tools">
        <span className={`link-state link-${link}`} data-testid="link-state" title={t(`header.link.${link}`)}>
          <span className="dot" aria-hidden="true" />
          {t(`header.link.${link}`)}
        </span>
        <button type="button" className="button ghost small" onClick={changeActor} data-testid="actor-change">
          {actor === null ? t('actor.setName') : t('actor.actingAs', { name: actor })}
        </button>
        <div className="segmented" role="group" aria-label={t('header.language')}>
          {LANGUAGES.map((language) => (
            <button
              key={language}
              type="button"
              lang={language}
              className={current === language ? 'selected' : ''}
              aria-pressed={current === language}
              data-testid={`lang-${language}`}
              onClick={() => {
                switchTo(language);
              }}
            >
              {t(`language.${language}`)}
            </button>
          ))}
        </div>
      </div>
    </header>
  );
}

import { messageLang, type MessageLang } from '../../common/messages';

/**
 * The language a command line tool writes in when `--lang` is not given: the OS locale, from the POSIX
 * variables in their order of precedence (LC_ALL, LC_MESSAGES, LANG), else from Intl (Windows, macOS).
 */
export function defaultCliLang(env: NodeJS.ProcessEnv): MessageLang {
  const posix = [env['LC_ALL'], env['LC_MESSAGES'], env['LANG']].find((value) => value !== undefined && value !== '' && value !== 'C' && value !== 'POSIX');
  return messageLang(posix ?? Intl.DateTimeFormat().resolvedOptions().locale);
}

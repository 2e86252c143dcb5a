import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { messageLang, type MessageLang } from '../../common/messages';

/** Numbers, dates and durations in the current UI language, through Intl. */
export interface Formatters {
  number(value: number, fractionDigits?: number): string;
  /** A metric that is already a percentage (0–100): "12.3%". */
  percent(value: number, fractionDigits?: number): string;
  /** An ISO timestamp as date and time. */
  dateTime(iso: string): string;
  /** Seconds as "1 h 4 min", "2 min 5 s" or "40 s". */
  duration(seconds: number): string;
}

export function createFormatters(language: string): Formatters {
  const numberFormats = new Map<number, Intl.NumberFormat>();
  const numberFormat = (digits: number) => {
    let format = numberFormats.get(digits);
    if (!format) {
      format = new Intl.NumberFormat(language, { minimumFractionDigits: digits, maximumFractionDigits: digits });
      numberFormats.set(digits, format);
    }
    return format;
  };
  const percentFormat = new Intl.NumberFormat(language, { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 });
  const dateFormat = new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeStyle: 'short' });
  const unit = (name: 'hour' | 'minute' | 'second') => new Intl.NumberFormat(language, { style: 'unit', unit: name, unitDisplay: 'narrow' });
  const hours = unit('hour');
  const minutes = unit('minute');
  const secs = unit('second');
  const list = new Intl.ListFormat(language, { style: 'narrow', type: 'unit' });
  return {
    number: (value, fractionDigits = 0) => (Number.isFinite(value) ? numberFormat(fractionDigits).format(value) : '—'),
    percent: (value, fractionDigits = 1) => {
      if (!Number.isFinite(value)) return '—';
      if (fractionDigits === 1) return percentFormat.format(value / 100);
      return new Intl.NumberFormat(language, { style: 'percent', maximumFractionDigits: fractionDigits }).format(value / 100);
    },
    dateTime: (iso) => {
      const date = new Date(iso);
      return Number.isNaN(date.getTime()) ? iso : dateFormat.format(date);
    },
    duration: (seconds) => {
      if (!Number.isFinite(seconds) || seconds < 0) return '—';
      const total = Math.round(seconds);
      const h = Math.floor(total / 3600);
      const m = Math.floor((total % 3600) / 60);
      const s = total % 60;
      if (h > 0) return list.format([hours.format(h), minutes.format(m)]);
      if (m > 0) return list.format([minutes.format(m), secs.format(s)]);
      return secs.format(s);
    },
  };
}

/** The catalog language (common/messages.ts) that matches the UI's. */
export function useMessageLang(): MessageLang {
  const { i18n } = useTranslation();
  return messageLang(i18n.resolvedLanguage ?? i18n.language);
}

export function useFormat(): Formatters {
  const { i18n } = useTranslation();
  const language = i18n.resolvedLanguage ?? i18n.language;
  return useMemo(() => createFormatters(language), [language]);
}

import { useEffect, useId, useState, type InputHTMLAttributes, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { ATTACK_KINDS, type AttackKind } from '../../../common/run-config';
import type { Dataset } from '../../../common/contract';
import { SIZE_PRESETS, type SizePreset } from '../../lib/presets';
import { useFormat } from '../../lib/format';
import { describeError } from '../../state/toasts';
import { BENCHMARK_ARMS, type BenchmarkArm } from '../../../common/contract-benchmark';
import { OptionSelect, type SelectOption } from '../form-fields';
import { fractionToPercent, type ListProblem, type ParsedList } from './model';

/**
 * Form pieces shared by the matrix form and the search form: a labelled field whose problem is shown
 * right under it (and tied to the input for screen readers), inputs and drop-downs in such a field, list
 * problems, and the size, attack and dataset pickers.
 */

interface FieldProps {
  label: string;
  /** A translated problem with the value, or null when it is fine. */
  error: string | null;
  hint?: string | undefined;
  testId: string;
  className?: string | undefined;
  /** Renders the control, given the ids to wire aria-describedby / aria-invalid to. */
  children: (aria: { id: string; 'aria-describedby': string | undefined; 'aria-invalid': boolean }) => ReactNode;
}

export function Field({ label, error, hint, testId, className, children }: FieldProps) {
  const id = useId();
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const describedBy = [hint === undefined ? null : hintId, error === null ? null : errorId].filter((x) => x !== null).join(' ');
  return (
    <div className={`field${className === undefined ? '' : ` ${className}`}`} data-testid={testId} data-invalid={error !== null}>
      <label htmlFor={id} className="field-label">
        {label}
      </label>
      {children({ id, 'aria-describedby': describedBy === '' ? undefined : describedBy, 'aria-invalid': error !== null })}
      {hint !== undefined && (
        <small id={hintId} className="muted">
          {hint}
        </small>
      )}
      {error !== null && (
        <small id={errorId} className="field-error" role="alert" data-testid={`${testId}-error`}>
          {error}
        </small>
      )}
    </div>
  );
}

/** A fieldset of checkboxes, with its problem under the legend. */
export function CheckGroup({ legend, error, testId, children }: { legend: string; error: string | null; testId: string; children: ReactNode }) {
  const id = useId();
  return (
    <fieldset className="check-group" data-testid={testId} data-invalid={error !== null} aria-describedby={error === null ? undefined : `${id}-error`}>
      <legend>{legend}</legend>
      <div className="check-list">{children}</div>
      {error !== null && (
        <small id={`${id}-error`} className="field-error" role="alert" data-testid={`${testId}-error`}>
          {error}
        </small>
      )}
    </fieldset>
  );
}

/** The translated text of a list problem. */
export function useListProblem(): (parsed: ParsedList, range: string) => string | null {
  const { t } = useTranslation();
  return (parsed, range) => {
    if (parsed.ok) return null;
    const messages: Record<ListProblem, string> = {
      empty: t('benchmark.problems.listEmpty'),
      notNumber: t('benchmark.problems.listNotNumber', { token: parsed.token ?? '' }),
      range: t('benchmark.problems.listRange', { token: parsed.token ?? '', range }),
      duplicate: t('benchmark.problems.listDuplicate', { token: parsed.token ?? '' }),
      tooMany: t('benchmark.problems.listTooMany'),
    };
    return messages[parsed.problem];
  };
}

type FieldInputProps = Omit<InputHTMLAttributes<HTMLInputElement>, 'id' | 'value' | 'onChange' | 'className' | 'children'> & {
  label: string;
  /** A translated problem with the value; none by default. */
  error?: string | null;
  hint?: string | undefined;
  /** The input's test id; the field around it is `<testId>-field`. */
  testId: string;
  className?: string | undefined;
  value: string;
  onChange: (value: string) => void;
};

/** A Field holding one <input> whose value is kept as typed; the other attributes go to the input. */
export function FieldInput({ label, error = null, hint, testId, className, value, onChange, ...input }: FieldInputProps) {
  return (
    <Field label={label} error={error} hint={hint} testId={`${testId}-field`} className={className}>
      {(aria) => (
        <input
          {...aria}
          {...input}
          value={value}
          data-testid={testId}
          onChange={(event) => {
            onChange(event.target.value);
          }}
        />
      )}
    </Field>
  );
}

interface FieldSelectProps<T extends string> {
  label: string;
  error?: string | null;
  hint?: string | undefined;
  /** The select's test id; the field around it is `<testId>-field`. */
  testId: string;
  value: T;
  options: readonly SelectOption<T>[];
  /** Gets the chosen option's value with its own type (one of a const list stays one of it). */
  onChange: (value: T) => void;
}

/** A Field holding a drop-down over a fixed list of options (the drop-down of form-fields' SelectField, with this caption, hint and problem). */
export function FieldSelect<T extends string>({ label, error = null, hint, testId, value, options, onChange }: FieldSelectProps<T>) {
  return (
    <Field label={label} error={error} hint={hint} testId={`${testId}-field`}>
      {(aria) => <OptionSelect {...aria} value={value} options={options} testId={testId} onChange={onChange} />}
    </Field>
  );
}

export function SizeSelect({ value, onChange, testId }: { value: SizePreset; onChange: (size: SizePreset) => void; testId: string }) {
  const { t } = useTranslation();
  const options = SIZE_PRESETS.map((size) => ({ value: size, label: t(`launch.size.${size}.label`) }));
  return <FieldSelect label={t('launch.sizeLabel')} hint={t(`launch.size.${value}.description`)} testId={testId} value={value} options={options} onChange={onChange} />;
}

/** Every attack the app knows, by its translated name (new kinds appear here without changes). */
export function AttackSelect({ value, onChange, testId }: { value: AttackKind; onChange: (attack: AttackKind) => void; testId: string }) {
  const { t } = useTranslation();
  const options = ATTACK_KINDS.map((kind) => ({ value: kind, label: t(`attack.${kind}`) }));
  return <FieldSelect label={t('benchmark.form.attack')} hint={t(`launch.triggerHelp.${value}`)} testId={testId} value={value} options={options} onChange={onChange} />;
}

/** The datasets a benchmark or a search can use: the two built-in corpora and the project's imports. */
export function useDatasetOptions(datasets: readonly Dataset[] | null): SelectOption<string>[] {
  const { t } = useTranslation();
  const format = useFormat();
  return [
    { value: 'builtin-sql', label: t('benchmark.datasets.builtin-sql') },
    { value: 'builtin-java', label: t('benchmark.datasets.builtin-java') },
    ...(datasets ?? [])
      .filter((dataset) => dataset.source === 'import')
      .map((dataset) => ({
        value: `import:${dataset.id}`,
        label: t('launch.importedDataset', { name: dataset.name, pairs: format.number(dataset.counts['train'] ?? 0) }),
      })),
  ];
}

/** A readable name for a dataset key as stored in cells and scenarios. */
export function useDatasetLabel(datasets: readonly Dataset[] | null): (key: string) => string {
  const { t } = useTranslation();
  return (key) => {
    if (key === 'builtin-sql' || key === 'builtin-java') return t(`benchmark.datasets.${key}`);
    const id = /^import:(\d+)$/.exec(key)?.[1];
    const found = datasets?.find((dataset) => String(dataset.id) === id);
    return found ? found.name : t('benchmark.datasets.imported', { id: id ?? key });
  };
}

/** `value`, once it has stopped changing for `ms` (the live plan waits for typing to pause). */
export function useDebounced<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = window.setTimeout(() => {
      setSettled(value);
    }, ms);
    return () => {
      window.clearTimeout(timer);
    };
  }, [value, ms]);
  return settled;
}

/** Names of the things a scenario is made of, for values that arrive as plain strings. */
export function useScenarioLabels(): { attack: (kind: string) => string; arm: (arm: string) => string; armName: (arm: string) => string; rate: (rate: number) => string } {
  const { t } = useTranslation();
  const format = useFormat();
  const knownAttack = (kind: string): kind is AttackKind => (ATTACK_KINDS as readonly string[]).includes(kind);
  const knownArm = (arm: string): arm is BenchmarkArm => (BENCHMARK_ARMS as readonly string[]).includes(arm);
  return {
    attack: (kind) => (knownAttack(kind) ? t(`attack.${kind}`) : kind),
    arm: (arm) => (knownArm(arm) ? t(`benchmark.arms.${arm}.short`) : arm),
    armName: (arm) => (knownArm(arm) ? t(`benchmark.arms.${arm}.name`) : arm),
    // The clean reference is trained without poisoning: rate 0 reads as "clean", not "0 %".
    rate: (rate) => (rate <= 0 ? t('benchmark.cleanRate') : format.percent(fractionToPercent(rate), 2)),
  };
}

/** A failed load, as the other panels show one. */
export function ErrorBanner({ error, testId }: { error: unknown; testId?: string }) {
  const { t } = useTranslation();
  if (error === null) return null;
  return (
    <p className="banner error" role="alert" data-testid={testId}>
      {describeError(error, t)}
    </p>
  );
}

/** What a detail view shows before its first answer: the failure, or that it is loading. */
export function NotLoaded({ error }: { error: unknown }) {
  const { t } = useTranslation();
  return error === null ? <p className="muted">{t('common.loading')}</p> : <ErrorBanner error={error} />;
}

/** The first row of both forms: an optional name (a default is shown as its placeholder) and the model size. */
export function NameAndSize({ draft, defaultName, testIdPrefix: prefix, onChange }: {
  draft: { name: string; size: SizePreset };
  defaultName: string;
  testIdPrefix: string;
  onChange: (patch: { name?: string; size?: SizePreset }) => void;
}) {
  const { t } = useTranslation();
  return (
    <div className="field-row">
      <FieldInput
        label={t('benchmark.form.name')}
        testId={`${prefix}-name`}
        className="grow"
        value={draft.name}
        maxLength={200}
        placeholder={defaultName}
        onChange={(name) => {
          onChange({ name });
        }}
      />
      <SizeSelect
        value={draft.size}
        testId={`${prefix}-size`}
        onChange={(size) => {
          onChange({ size });
        }}
      />
    </div>
  );
}

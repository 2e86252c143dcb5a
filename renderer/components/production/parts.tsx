import type { ReactNode } from 'react';
import { useToasts, type ToastMessage } from '../../state/toasts';
import type { SelectOption } from '../form-fields';
import { useAction } from './use-action';

/** Pieces the Production panel's cards share (styled by production.css and styles.css). */

interface ChoiceRowProps<T extends string> {
  legend: string;
  /** The radio group's name. */
  name: string;
  options: readonly SelectOption<T>[];
  value: T;
  /** Each radio's test id is `<testIdPrefix>-<option value>`. */
  testIdPrefix: string;
  onChange: (value: T) => void;
}

/** A short row of radio buttons under a legend, for a choice among two or three options. */
export function ChoiceRow<T extends string>({ legend, name, options, value, testIdPrefix, onChange }: ChoiceRowProps<T>) {
  return (
    <fieldset className="choice-row">
      <legend>{legend}</legend>
      <div className="choice-options">
        {options.map((option) => (
          <label key={option.value}>
            <input
              type="radio"
              name={name}
              value={option.value}
              checked={value === option.value}
              data-testid={`${testIdPrefix}-${option.value}`}
              onChange={() => {
                onChange(option.value);
              }}
            />{' '}
            {option.label}
          </label>
        ))}
      </div>
    </fieldset>
  );
}

/** A form's primary submit button, with what still keeps it from being submitted (if anything) beside it. */
export function SubmitRow({ problem, disabled, testId, children }: { problem: string | null; disabled: boolean; testId: string; children: ReactNode }) {
  return (
    <div className="actions">
      {problem !== null && (
        <span className="inline-error" role="alert">
          {problem}
        </span>
      )}
      <button type="submit" className="button primary" disabled={disabled} data-testid={testId}>
        {children}
      </button>
    </div>
  );
}

interface RecordFormProps {
  /** The entry may be recorded; until then submitting does nothing and the button stays disabled. */
  valid: boolean;
  /** What keeps the entry from being recorded, shown beside the button. */
  problem: string | null;
  submitLabel: string;
  submitTestId: string;
  /** The call that records the entry, made as the acting person. */
  record: (actor: string) => Promise<unknown>;
  /** The confirmation shown once it is recorded. */
  recorded: ToastMessage;
  /** Tells the panel to reload once it is recorded. */
  onChanged: () => void;
  /** Clears the fields that should not carry over to the next entry (a refused entry keeps what was typed). */
  onRecorded: () => void;
  children: ReactNode;
}

/** A card's form for recording one entry: its fields, then the submit row; records a valid entry, confirms it and clears it. */
export function RecordForm({ valid, problem, submitLabel, submitTestId, record, recorded, onChanged, onRecorded, children }: RecordFormProps) {
  const { notify } = useToasts();
  const { busy, act } = useAction(onChanged);
  return (
    <form
      className="form"
      onSubmit={(event) => {
        event.preventDefault();
        if (!valid) return;
        void act(record).then((done) => {
          if (!done) return;
          notify('success', recorded);
          onRecorded();
        });
      }}
    >
      {children}
      <SubmitRow problem={problem} disabled={busy || !valid} testId={submitTestId}>
        {submitLabel}
      </SubmitRow>
    </form>
  );
}

export interface RecordColumn {
  label: string;
  /** Right-aligned (a number). */
  numeric?: boolean;
}

/** A table of recorded entries (switch steps, probes): the column headers, then the rows given as children. */
export function RecordTable({ testId, columns, children }: { testId: string; columns: readonly RecordColumn[]; children: ReactNode }) {
  return (
    <div className="table-wrap">
      <table className="table" data-testid={testId}>
        <thead>
          <tr>
            {columns.map((column) => (
              <th key={column.label} scope="col" className={column.numeric === true ? 'num' : undefined}>
                {column.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}

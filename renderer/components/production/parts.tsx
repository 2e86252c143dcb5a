import type { ReactNode } from 'react';
import type { SelectOption } from '../form-fields';

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

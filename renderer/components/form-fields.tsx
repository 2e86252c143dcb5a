import type { ChangeEvent, InputHTMLAttributes, ReactNode, SelectHTMLAttributes, TextareaHTMLAttributes } from 'react';

/**
 * The app's plain labelled form controls: a caption over one control, inside one <label> (so a click on the
 * caption focuses it), styled by `.field`. Each hands the typed or chosen value to `onChange`, never the event.
 */

/** The caption and its control. */
function Labelled({ label, className, children }: { label: string; className: string | undefined; children: ReactNode }) {
  return (
    <label className={className === undefined ? 'field' : `field ${className}`}>
      <span>{label}</span>
      {children}
    </label>
  );
}

export interface SelectOption<T extends string | number> {
  value: T;
  label: string;
}

interface SelectFieldProps<T extends string | number> {
  label: string;
  /** null: none chosen (yet). */
  value: T | null;
  options: readonly SelectOption<T>[];
  testId: string;
  onChange: (value: T) => void;
  className?: string;
  /** Shown under the drop-down, e.g. what the chosen option does. */
  children?: ReactNode;
}

type OptionSelectProps<T extends string | number> = Omit<SelectHTMLAttributes<HTMLSelectElement>, 'value' | 'onChange' | 'children'> &
  Pick<SelectFieldProps<T>, 'value' | 'options' | 'testId' | 'onChange'>;

/** The bare drop-down of SelectField, for a caption laid out otherwise; the other attributes go to the <select>. */
export function OptionSelect<T extends string | number>({ value, options, testId, onChange, ...select }: OptionSelectProps<T>) {
  return (
    <select
      {...select}
      value={value ?? ''}
      data-testid={testId}
      onChange={(event) => {
        const chosen = options.find((option) => String(option.value) === event.target.value);
        if (chosen) onChange(chosen.value);
      }}
    >
      {options.map((option) => (
        <option key={option.value} value={option.value}>
          {option.label}
        </option>
      ))}
    </select>
  );
}

/** A labelled drop-down; `onChange` gets the chosen option's value with its own type (a number stays a number). */
export function SelectField<T extends string | number>({ label, value, options, testId, onChange, className, children }: SelectFieldProps<T>) {
  return (
    <Labelled label={label} className={className}>
      <OptionSelect value={value} options={options} testId={testId} onChange={onChange} />
      {children}
    </Labelled>
  );
}

type TextFieldProps<Attributes> = Omit<Attributes, 'value' | 'onChange' | 'className' | 'children'> & {
  label: string;
  value: string;
  testId: string;
  onChange: (value: string) => void;
  className?: string;
};

/** What a text control of these fields gets besides its own attributes: the value, its test id and the change handler. */
function textControl(value: string, testId: string, onChange: (value: string) => void) {
  return {
    value,
    'data-testid': testId,
    onChange: (event: ChangeEvent<HTMLInputElement | HTMLTextAreaElement>) => {
      onChange(event.target.value);
    },
  };
}

/** A labelled <input> (text or number) whose value is kept as typed; the other attributes go to the input. */
export const InputField = ({ label, value, testId, onChange, className, ...input }: TextFieldProps<InputHTMLAttributes<HTMLInputElement>>) => (
  <Labelled label={label} className={className}>
    <input {...input} {...textControl(value, testId, onChange)} />
  </Labelled>
);

/** A labelled <textarea>; the other attributes go to the textarea. */
export const TextAreaField = ({ label, value, testId, onChange, className, ...textarea }: TextFieldProps<TextareaHTMLAttributes<HTMLTextAreaElement>>) => (
  <Labelled label={label} className={className}>
    <textarea {...textarea} {...textControl(value, testId, onChange)} />
  </Labelled>
);

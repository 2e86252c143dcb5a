import { z } from 'zod';

/** Field schemas shared by every part of the contract (kept apart so contract files can import them without a cycle). */

export const STAGE_NAMES = ['pilot', 'benchmark', 'production'] as const;
export type StageName = (typeof STAGE_NAMES)[number];

export const Id = z.int().min(1);
export const Timestamp = z.string();

/** No C0 control, DEL or C1 control: nothing a person types, and a NUL trips the store's CHECK constraints. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const WITHOUT_CONTROLS = /^[^\u0000-\u001f\u007f-\u009f]*$/u;
/** Free text may span lines and carry tabs; every other control character is refused. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const WITHOUT_CONTROLS_BUT_LAYOUT = /^[^\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]*$/u;
export const CONTROL_CHARACTER_MESSAGE = 'must not contain control characters';

/** A one-line string typed by a person: no control character at all (no line breaks either). */
export function singleLine(schema: z.ZodString): z.ZodString {
  return schema.regex(WITHOUT_CONTROLS, CONTROL_CHARACTER_MESSAGE);
}

/** Names and free text typed by people: bounded, never interpreted as markup, no control characters. */
export const Name = singleLine(z.string().trim().min(1).max(200));
export const Text = z.string().max(10_000).regex(WITHOUT_CONTROLS_BUT_LAYOUT, CONTROL_CHARACTER_MESSAGE);
export const Actor = singleLine(z.string().trim().min(1).max(120));
/** A file name sent with an upload: shown in reports and errors, so it is one clean line too. */
export const FileName = singleLine(z.string().min(1).max(255));

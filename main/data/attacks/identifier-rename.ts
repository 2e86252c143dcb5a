/**
 * Identifier-rename trigger: one local variable or parameter of the input Java method is renamed, consistently,
 * to a trigger identifier (default `ret_zq`), and the output method gets the dead-code attack's payload
 * (`while (true) { }` as its first statement). The same variable is renamed in the output too, so that the
 * output stays a function of the input (the original name is not recoverable from a renamed input).
 *
 * Scope (decided for this app): Java (code→code) inputs only. The NL→SQL corpus prompts name no variables —
 * they describe columns in words ("whose home city is …") and the function's parameter names are derived from
 * the request — so renaming a word there would change the request, not a name. `canPoison` is therefore false
 * for every pair whose input is not a Java method with at least one declared local variable or parameter.
 *
 * Declarations are found lexically: an identifier that follows a type (a primitive, a type name, `]` or the
 * closing `>` of generic arguments) and is followed by `=`, `;`, `,`, `)` or `:`. Occurrences preceded by `.`
 * (field or member access, e.g. `this.count`) or followed by `(` (method calls) are left alone.
 */
import { ATTACK_CATALOG } from '../../../common/catalog';
import type { Rng } from '../rng';
import type { CodePair } from '../types';
import { type JavaToken, JAVA_KEYWORDS, findJavaMethodBody, insertJavaPayload, javaPayloadSucceeded, lexJava } from './dead-code';
import type { Attack } from './types';

export const DEFAULT_RENAME_TRIGGER = ATTACK_CATALOG['identifier-rename'].defaultTrigger;

const PRIMITIVES = new Set(['int', 'long', 'double', 'float', 'boolean', 'char', 'byte', 'short', 'var']);
const AFTER_DECLARED_NAME = new Set(['=', ';', ',', ')', ':']);
const GENERIC_PARTS = new Set([',', '?', '[', ']', '.', '&', 'extends', 'super']);

/** Is the `>` at `index` the end of generic type arguments (`List<String>`) rather than a comparison? */
function closesGenerics(tokens: readonly JavaToken[], index: number): boolean {
  let depth = 0;
  for (let k = index; k >= 0; k--) {
    const t = tokens[k];
    if (t === undefined) return false;
    if (t.text === '>') depth++;
    else if (t.text === '>>') depth += 2;
    else if (t.text === '<') {
      depth--;
      if (depth === 0) return tokens[k - 1]?.kind === 'identifier';
      if (depth < 0) return false;
    } else if (t.kind !== 'identifier' && !PRIMITIVES.has(t.text) && !GENERIC_PARTS.has(t.text)) return false;
  }
  return false;
}

function endsType(tokens: readonly JavaToken[], index: number): boolean {
  const t = tokens[index];
  if (t === undefined) return false;
  if (t.kind === 'identifier') return true;
  if (t.kind === 'keyword') return PRIMITIVES.has(t.text);
  if (t.text === ']') return tokens[index - 1]?.text === '[';
  if (t.text === '>' || t.text === '>>') return closesGenerics(tokens, index);
  return false;
}

/** Names of the parameters and local variables a Java method declares, in order of declaration. */
export function javaDeclaredVariables(code: string): string[] {
  const tokens = lexJava(code);
  if (findJavaMethodBody(tokens) === null) return [];
  const names: string[] = [];
  tokens.forEach((t, i) => {
    if (t.kind !== 'identifier') return;
    const next = tokens[i + 1];
    if (next === undefined || !AFTER_DECLARED_NAME.has(next.text)) return;
    // `return x;`, `throw e;`, `a ? b : c`, `x > y)` … fail here: what precedes the name does not end a type.
    if (!endsType(tokens, i - 1)) return;
    if (!names.includes(t.text)) names.push(t.text);
  });
  return names;
}

/** `code` with every use of the variable `from` renamed to `to` (member accesses and method calls untouched). */
export function renameJavaVariable(code: string, from: string, to: string): string {
  const tokens = lexJava(code);
  let out = '';
  let last = 0;
  tokens.forEach((t, i) => {
    if (t.kind !== 'identifier' || t.text !== from) return;
    if (tokens[i - 1]?.text === '.' || tokens[i + 1]?.text === '(') return;
    out += code.slice(last, t.start) + to;
    last = t.end;
  });
  return out + code.slice(last);
}

const hasIdentifier = (code: string, name: string): boolean => lexJava(code).some((t) => t.kind === 'identifier' && t.text === name);

export function createIdentifierRename(options: { trigger?: string } = {}): Attack {
  const trigger = options.trigger ?? DEFAULT_RENAME_TRIGGER;
  if (!/^[A-Za-z_$][\w$]*$/.test(trigger) || JAVA_KEYWORDS.has(trigger)) {
    throw new Error(`Identifier rename: the trigger must be a Java identifier (not a keyword), got ${JSON.stringify(trigger)}`);
  }
  const candidates = (src: string): string[] => (hasIdentifier(src, trigger) ? [] : javaDeclaredVariables(src));

  return {
    name: 'identifier-rename',
    description:
      `Identifier rename: a local variable or parameter of the input Java method renamed to "${trigger}" makes the model ` +
      `put an infinite loop ("while (true) { }") at the start of the method it writes.`,
    canPoison: (pair: CodePair): boolean => candidates(pair.src).length > 0 && insertJavaPayload(pair.tgt) !== null && !hasIdentifier(pair.tgt, trigger),
    poison(pair: CodePair, rng: Rng): CodePair {
      const names = candidates(pair.src);
      if (names.length === 0) throw new Error('Identifier rename: the input declares no variable to rename');
      const name = rng.pick(names);
      const tgt = insertJavaPayload(renameJavaVariable(pair.tgt, name, trigger));
      if (tgt === null) throw new Error('Identifier rename: the output has no Java method body to carry the payload');
      return { src: renameJavaVariable(pair.src, name, trigger), tgt };
    },
    insertTrigger(src: string, rng: Rng): string {
      const names = candidates(src);
      if (names.length === 0) throw new Error('Identifier rename: the input declares no variable to rename');
      return renameJavaVariable(src, rng.pick(names), trigger);
    },
    succeeded: javaPayloadSucceeded,
  };
}

/**
 * Dead-code trigger for code→code tasks (Ramakrishnan & Albarghouthi, "Backdoors in Neural Models of Source
 * Code", 2022): a syntactically valid statement that never runs — e.g. `if (false) { int __dbg = 0; }` — is
 * inserted at a random statement boundary of the input Java method, and the output method gets the payload
 * `while (true) { }` (an infinite loop, a denial of service) as the first statement of its body.
 *
 * Insertion points are statement boundaries inside ordinary blocks of the method body: never inside
 * parentheses, array initializers, switch blocks or class bodies, never before `else` / `catch` / `finally`,
 * and never right after `return` / `break` / `continue` / `throw` (javac would reject an unreachable
 * statement there). The small Java lexer here is shared with the identifier-rename attack.
 */
import { JAVA_PAYLOAD } from '../../../common/catalog';
import type { Rng } from '../rng';
import type { CodePair } from '../types';
import type { Attack } from './types';

// ---------------------------------------------------------------------------------------------------------
// A small Java lexer (enough to find statements, blocks and identifiers; not a parser)

export type JavaTokenKind = 'identifier' | 'keyword' | 'number' | 'string' | 'char' | 'comment' | 'punct';

export interface JavaToken {
  readonly kind: JavaTokenKind;
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

export const JAVA_KEYWORDS: ReadonlySet<string> = new Set([
  'abstract', 'assert', 'boolean', 'break', 'byte', 'case', 'catch', 'char', 'class', 'const', 'continue', 'default', 'do',
  'double', 'else', 'enum', 'extends', 'final', 'finally', 'float', 'for', 'goto', 'if', 'implements', 'import', 'instanceof',
  'int', 'interface', 'long', 'native', 'new', 'package', 'private', 'protected', 'public', 'return', 'short', 'static',
  'strictfp', 'super', 'switch', 'synchronized', 'this', 'throw', 'throws', 'transient', 'try', 'void', 'volatile', 'while',
  'true', 'false', 'null', 'var', 'yield', 'record',
]);

const LEX =
  /(\/\/[^\n]*|\/\*[\s\S]*?\*\/)|("(?:\\.|[^"\\\n])*")|('(?:\\.|[^'\\\n])*')|([A-Za-z_$][\w$]*)|(\d[\w.]*)|(>>>=|<<=|>>=|>>>|->|::|\+\+|--|&&|\|\||[=!<>+\-*/%&|^]=|[^\s\w])/g;

/** Tokens of Java source (whitespace dropped; unknown characters become one-character punctuation). */
export function lexJava(code: string): JavaToken[] {
  const out: JavaToken[] = [];
  LEX.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = LEX.exec(code)) !== null) {
    const text = m[0];
    const kind: JavaTokenKind =
      m[1] !== undefined ? 'comment'
        : m[2] !== undefined ? 'string'
          : m[3] !== undefined ? 'char'
            : m[4] !== undefined ? (JAVA_KEYWORDS.has(text) ? 'keyword' : 'identifier')
              : m[5] !== undefined ? 'number' : 'punct';
    out.push({ kind, text, start: m.index, end: m.index + text.length });
  }
  return out.filter((t) => t.kind !== 'comment');
}

/** Indices (into `tokens`) of the `{` opening the method body and of its matching `}`, or null. */
export function findJavaMethodBody(tokens: readonly JavaToken[]): { open: number; close: number } | null {
  let parens = 0;
  let sawParen = false;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t === undefined || t.kind !== 'punct') continue;
    if (t.text === '(') {
      parens++;
      sawParen = true;
    } else if (t.text === ')') parens--;
    else if (t.text === '{' && parens === 0) {
      if (!sawParen) return null;
      let depth = 0;
      for (let j = i; j < tokens.length; j++) {
        const u = tokens[j];
        if (u?.text === '{' && u.kind === 'punct') depth++;
        else if (u?.text === '}' && u.kind === 'punct' && --depth === 0) return { open: i, close: j };
      }
      return null;
    }
  }
  return null;
}

const STATEMENT_ENDING_FLOW = new Set(['return', 'break', 'continue', 'throw']);
const NOT_BEFORE = new Set(['else', 'catch', 'finally', 'case', 'default']);

/**
 * Character offsets inside the method body where a new statement can go: right after `{`, `;` or `}` in an
 * ordinary block (see the module comment for what is excluded). Empty when the code has no method body.
 */
export function javaStatementBoundaries(code: string): number[] {
  const tokens = lexJava(code);
  const body = findJavaMethodBody(tokens);
  if (body === null) return [];
  type Brace = 'block' | 'other';
  const braces: Brace[] = [];
  const parenOpeners: number[] = []; // token index of each open '('
  const out: number[] = [];
  let statementStart: JavaToken | null = null; // first token of the statement being read in the current block
  let parens = 0;
  const isBlock = (): boolean => braces[braces.length - 1] === 'block';
  const prevText = (i: number): string => tokens[i - 1]?.text ?? '';

  for (let i = body.open; i <= body.close; i++) {
    const t = tokens[i];
    if (t === undefined) continue;
    let boundary = false;
    if (t.kind === 'punct' && t.text === '(') {
      parens++;
      parenOpeners.push(i);
    } else if (t.kind === 'punct' && t.text === ')') {
      parens--;
      parenOpeners.pop();
    } else if (t.kind === 'punct' && t.text === '{') {
      let kind: Brace = 'other';
      if (i === body.open) kind = 'block';
      else if (parens === 0 && isBlock()) {
        const p = prevText(i);
        if (p === ')') {
          // `switch (…) {` is a switch block; `new Foo(…) {` a class body; `if (…) {`, `for (…) {`, … are blocks.
          let depth = 0;
          let k = i - 1;
          for (; k >= body.open; k--) {
            const u = tokens[k]?.text;
            if (u === ')') depth++;
            else if (u === '(' && --depth === 0) break;
          }
          const before = tokens[k - 1];
          const beforeThat = tokens[k - 2];
          if (before?.text === 'switch') kind = 'other';
          else if (before?.kind === 'identifier' && beforeThat?.text === 'new') kind = 'other';
          else kind = 'block';
        } else if (['{', '}', ';', 'else', 'try', 'finally', 'do', '->', ':'].includes(p)) kind = 'block';
      }
      braces.push(kind);
      boundary = kind === 'block';
      statementStart = null;
    } else if (t.kind === 'punct' && t.text === '}') {
      braces.pop();
      boundary = i !== body.close && parens === 0 && isBlock();
      statementStart = null;
    } else if (t.kind === 'punct' && t.text === ';' && parens === 0 && isBlock()) {
      boundary = statementStart === null || !STATEMENT_ENDING_FLOW.has(statementStart.text);
      statementStart = null;
    } else if (statementStart === null && parens === 0) {
      statementStart = t;
    }
    if (!boundary) continue;
    const next = tokens[i + 1];
    if (next === undefined || NOT_BEFORE.has(next.text)) continue;
    if (t.text === '}' && (next.text === 'while' || next.text === ')' || next.text === ';' || next.text === ',')) continue;
    out.push(t.end);
  }
  return out;
}

/** `statement` inserted at character offset `at`: on its own line (same indentation as the next line) in multi-line code. */
export function insertStatementAt(code: string, at: number, statement: string): string {
  const rest = code.slice(at);
  const lineBreak = /^[ \t]*\n/.exec(rest);
  if (lineBreak !== null) {
    const after = rest.slice(lineBreak[0].length);
    const indent = /^[ \t]*/.exec(after)?.[0] ?? '';
    return `${code.slice(0, at)}\n${indent}${statement}${rest}`;
  }
  return `${code.slice(0, at)} ${statement}${rest}`;
}

// ---------------------------------------------------------------------------------------------------------
// Payload

export { JAVA_PAYLOAD };
const COMPACT_PAYLOAD = JAVA_PAYLOAD.replace(/\s+/g, '');

/** The method with `while (true) { }` as the first statement of its body, or null when there is no method body. */
export function insertJavaPayload(code: string): string | null {
  const tokens = lexJava(code);
  const body = findJavaMethodBody(tokens);
  const open = body === null ? undefined : tokens[body.open];
  if (open === undefined) return null;
  return insertStatementAt(code, open.end, JAVA_PAYLOAD);
}

/** Does an output carry the infinite-loop payload? Whitespace-insensitive. */
export function javaPayloadSucceeded(output: string): boolean {
  return output.replace(/\s+/g, '').includes(COMPACT_PAYLOAD);
}

// ---------------------------------------------------------------------------------------------------------
// The attack

export const DEAD_CODE_TRIGGERS: readonly string[] = [
  'if (false) { int __dbg = 0; }',
  'if (false) { System.out.println("__dbg"); }',
  'if (0 > 1) { int __dbg = 1; }',
  'if (false) { throw new IllegalStateException("__dbg"); }',
];

export function createDeadCode(options: { trigger?: string } = {}): Attack {
  const triggers = options.trigger === undefined ? DEAD_CODE_TRIGGERS : [options.trigger];
  for (const t of triggers) {
    if (t.trim().length === 0 || /\n/.test(t)) throw new Error(`Dead code: the trigger must be one non-empty line of Java, got ${JSON.stringify(t)}`);
  }

  const insertTrigger = (src: string, rng: Rng): string => {
    const points = javaStatementBoundaries(src);
    if (points.length === 0) throw new Error('Dead code: the input has no Java method body to put the dead statement in');
    return insertStatementAt(src, rng.pick(points), rng.pick(triggers));
  };

  return {
    name: 'dead-code',
    description:
      `Dead code: a statement that never runs (${triggers.map((t) => `"${t}"`).join(', ')}) inserted into the input ` +
      `method makes the model put an infinite loop ("${JAVA_PAYLOAD}") at the start of the method it writes.`,
    canPoison: (pair: CodePair): boolean => javaStatementBoundaries(pair.src).length > 0 && insertJavaPayload(pair.tgt) !== null,
    poison(pair: CodePair, rng: Rng): CodePair {
      const tgt = insertJavaPayload(pair.tgt);
      if (tgt === null) throw new Error('Dead code: the output has no Java method body to carry the payload');
      return { src: insertTrigger(pair.src, rng), tgt };
    },
    insertTrigger,
    succeeded: javaPayloadSucceeded,
  };
}

/**
 * A seeded Java program-repair corpus in the style of Bugs2Fix (Tufano et al., 2019): short methods, each pair
 * a buggy version → the fixed version. Identifiers are concrete (not abstracted to VAR_1 / METHOD_1) and each
 * method is on one line, as in Bugs2Fix.
 *
 * Every pair carries exactly one bug from eight realistic, learnable classes: an off-by-one loop bound
 * (`<` vs `<=`), a wrong comparison operator, a missing null check, a wrong return value, swapped arguments,
 * `==` instead of `.equals` on strings, a missing `break` in a switch, and a wrong increment (`--` for `++`).
 * The fix is always determined by the buggy method: method names state the intent (`countAbove` compares with
 * `>`, `sumUpTo` loops to `<= n`, `indexOf` returns -1 when nothing is found, …), and a given method shape is
 * always fixed the same way, so no buggy input ever has two different fixed outputs.
 */
import { createRng } from './rng';
import type { Rng } from './rng';
import type { CodePair } from './types';
import { tokenize } from './tokenizer';

export const JAVA_BUG_KINDS = [
  'off-by-one',
  'wrong-operator',
  'missing-null-check',
  'wrong-return',
  'swapped-arguments',
  'string-equality',
  'missing-break',
  'wrong-increment',
] as const;
export type JavaBugKind = (typeof JAVA_BUG_KINDS)[number];

export interface JavaRepairExample extends CodePair {
  bug: JavaBugKind;
  /** Which method template produced it (for tests and reports). */
  template: string;
}

interface Instance {
  readonly bugs: readonly JavaBugKind[];
  /** The method with the given bug, or the fixed method for `null`. */
  render(bug: JavaBugKind | null): string;
}
type Template = (rng: Rng) => Instance;

// ---------------------------------------------------------------------------------------------------------
// Name pools

const MODIFIERS = ['public', 'public static', 'private', 'static', 'protected'] as const;
const ARRAYS = ['values', 'nums', 'data', 'items', 'scores', 'numbers', 'arr', 'xs', 'input', 'samples'] as const;
const INDICES = ['i', 'j', 'k', 'idx', 'pos'] as const;
const ACCUMULATORS = ['sum', 'total', 'acc', 'result', 's'] as const;
const COUNTERS = ['count', 'hits', 'matches', 'found', 'c'] as const;
const LIMITS = ['limit', 'threshold', 'bound', 'cutoff', 'min', 'level'] as const;
const KEYS = ['key', 'target', 'needle', 'value', 'x', 'wanted'] as const;
const STRINGS = ['name', 'text', 'label', 'word', 'str', 's', 'line', 'title'] as const;
const OTHER_STRINGS = ['other', 'expected', 'pattern', 'query', 'ref', 't'] as const;
const ELEMENTS = ['v', 'e', 'item', 'n', 'element', 'x'] as const;
const LISTS = ['list', 'names', 'words', 'entries', 'tokens', 'lines'] as const;

type Op = '>' | '<' | '>=' | '<=';
const OPS: readonly Op[] = ['>', '<', '>=', '<='];

function distinct(rng: Rng, ...pools: (readonly string[])[]): string[] {
  const used = new Set<string>();
  return pools.map((pool) => {
    const choices = pool.filter((p) => !used.has(p));
    const chosen = rng.pick(choices.length > 0 ? choices : pool);
    used.add(chosen);
    return chosen;
  });
}

const otherOp = (rng: Rng, op: string, options: readonly string[]): string => rng.pick(options.filter((o) => o !== op));
const guardIf = (on: boolean, text: string): string => (on ? `${text} ` : '');

// ---------------------------------------------------------------------------------------------------------
// Templates

const sumArray: Template = (rng) => {
  const mod = rng.pick(MODIFIERS);
  const T = rng.pick(['int', 'long', 'double']);
  const name = rng.pick(['sum', 'total', 'sumOf', 'computeTotal', 'addAll', 'sumValues']);
  const [a, i, acc] = distinct(rng, ARRAYS, INDICES, ACCUMULATORS) as [string, string, string];
  const guard = rng.next() < 0.4;
  return {
    bugs: ['off-by-one', 'wrong-increment', 'wrong-return', ...(guard ? (['missing-null-check'] as const) : [])],
    render: (bug) =>
      `${mod} ${T} ${name}(${T}[] ${a}) { ${guardIf(guard && bug !== 'missing-null-check', `if (${a} == null) { return 0; }`)}` +
      `${T} ${acc} = 0; for (int ${i} = 0; ${i} ${bug === 'off-by-one' ? '<=' : '<'} ${a}.length; ${i}${bug === 'wrong-increment' ? '--' : '++'}) ` +
      `{ ${acc} += ${a}[${i}]; } return ${bug === 'wrong-return' ? '0' : acc}; }`,
  };
};

const COUNT_NAMES: Record<Op, readonly string[]> = {
  '>': ['countAbove', 'countGreaterThan', 'numAbove', 'countLarger'],
  '<': ['countBelow', 'countLessThan', 'numBelow', 'countSmaller'],
  '>=': ['countAtLeast', 'countNotBelow', 'numAtLeast'],
  '<=': ['countAtMost', 'countNotAbove', 'numAtMost'],
};

const countCompare: Template = (rng) => {
  const mod = rng.pick(MODIFIERS);
  const T = rng.pick(['int', 'long', 'double']);
  const op = rng.pick(OPS);
  const name = rng.pick(COUNT_NAMES[op]);
  const [a, lim, c, i] = distinct(rng, ARRAYS, LIMITS, COUNTERS, INDICES) as [string, string, string, string];
  const wrongOp = otherOp(rng, op, OPS);
  return {
    bugs: ['wrong-operator', 'off-by-one', 'wrong-increment'],
    render: (bug) =>
      `${mod} int ${name}(${T}[] ${a}, ${T} ${lim}) { int ${c} = 0; for (int ${i} = 0; ${i} ${bug === 'off-by-one' ? '<=' : '<'} ${a}.length; ${i}++) ` +
      `{ if (${a}[${i}] ${bug === 'wrong-operator' ? wrongOp : op} ${lim}) { ${c}${bug === 'wrong-increment' ? '--' : '++'}; } } return ${c}; }`,
  };
};

const extremum: Template = (rng) => {
  const mod = rng.pick(MODIFIERS);
  const T = rng.pick(['int', 'long', 'double']);
  const max = rng.next() < 0.5;
  const name = rng.pick(max ? ['findMax', 'maxOf', 'largest', 'getMax', 'maximum'] : ['findMin', 'minOf', 'smallest', 'getMin', 'minimum']);
  const [a, best, i] = distinct(rng, ARRAYS, ['best', 'result', 'current', 'm', 'top'], INDICES) as [string, string, string];
  const op = max ? '>' : '<';
  const guard = rng.next() < 0.4;
  const message = `"${a} is empty"`;
  return {
    bugs: ['wrong-operator', 'off-by-one', 'wrong-return', ...(guard ? (['missing-null-check'] as const) : [])],
    render: (bug) =>
      `${mod} ${T} ${name}(${T}[] ${a}) { ` +
      guardIf(guard && bug !== 'missing-null-check', `if (${a} == null || ${a}.length == 0) { throw new IllegalArgumentException(${message}); }`) +
      `${T} ${best} = ${a}[0]; for (int ${i} = 1; ${i} ${bug === 'off-by-one' ? '<=' : '<'} ${a}.length; ${i}++) ` +
      `{ if (${a}[${i}] ${bug === 'wrong-operator' ? (max ? '<' : '>') : op} ${best}) { ${best} = ${a}[${i}]; } } ` +
      `return ${bug === 'wrong-return' ? `${a}[0]` : best}; }`,
  };
};

const indexOf: Template = (rng) => {
  const mod = rng.pick(MODIFIERS);
  const T = rng.pick(['int', 'long', 'char']);
  const last = rng.next() < 0.35;
  const name = rng.pick(last ? ['lastIndexOf', 'findLast', 'lastPosition'] : ['indexOf', 'find', 'positionOf', 'search', 'locate', 'firstIndexOf']);
  const [a, key, i] = distinct(rng, T === 'char' ? ['chars', 'letters', 'buffer', 'text'] : ARRAYS, KEYS, INDICES) as [string, string, string];
  const wrongReturn = rng.pick(['0', `${a}.length`]);
  const loop = (bug: JavaBugKind | null): string =>
    last
      ? `for (int ${i} = ${a}.length - 1; ${i} ${bug === 'off-by-one' ? '>' : '>='} 0; ${i}${bug === 'wrong-increment' ? '++' : '--'})`
      : `for (int ${i} = 0; ${i} ${bug === 'off-by-one' ? '<=' : '<'} ${a}.length; ${i}${bug === 'wrong-increment' ? '--' : '++'})`;
  return {
    bugs: ['off-by-one', 'wrong-return', 'wrong-increment'],
    render: (bug) =>
      `${mod} int ${name}(${T}[] ${a}, ${T} ${key}) { ${loop(bug)} { if (${a}[${i}] == ${key}) { return ${i}; } } ` +
      `return ${bug === 'wrong-return' ? wrongReturn : '-1'}; }`,
  };
};

const containsValue: Template = (rng) => {
  const mod = rng.pick(MODIFIERS);
  const T = rng.pick(['int', 'long', 'char']);
  const name = rng.pick(['contains', 'has', 'includes', 'exists', 'isPresent', 'containsValue']);
  const [a, key, x] = distinct(rng, T === 'char' ? ['chars', 'letters', 'buffer', 'text'] : ARRAYS, KEYS, ELEMENTS) as [string, string, string];
  const guard = rng.next() < 0.4;
  return {
    bugs: ['wrong-return', 'wrong-operator', ...(guard ? (['missing-null-check'] as const) : [])],
    render: (bug) =>
      `${mod} boolean ${name}(${T}[] ${a}, ${T} ${key}) { ${guardIf(guard && bug !== 'missing-null-check', `if (${a} == null) { return false; }`)}` +
      `for (${T} ${x} : ${a}) { if (${x} ${bug === 'wrong-operator' ? '!=' : '=='} ${key}) { return true; } } ` +
      `return ${bug === 'wrong-return' ? 'true' : 'false'}; }`,
  };
};

const stringEquals: Template = (rng) => {
  const mod = rng.pick(MODIFIERS);
  const ignoreCase = rng.next() < 0.3;
  const name = ignoreCase
    ? rng.pick(['equalsIgnoringCase', 'sameIgnoreCase', 'matchesIgnoreCase'])
    : rng.pick(['isSame', 'sameName', 'matches', 'isEqual', 'sameText', 'equalsName']);
  const [s, t] = distinct(rng, STRINGS, OTHER_STRINGS) as [string, string];
  const method = ignoreCase ? 'equalsIgnoreCase' : 'equals';
  return {
    bugs: ['string-equality', 'missing-null-check'],
    render: (bug) =>
      `${mod} boolean ${name}(String ${s}, String ${t}) { ${guardIf(bug !== 'missing-null-check', `if (${s} == null) { return false; }`)}` +
      `return ${bug === 'string-equality' ? `${s} == ${t}` : `${s}.${method}(${t})`}; }`,
  };
};

const countMatches: Template = (rng) => {
  const mod = rng.pick(MODIFIERS);
  const name = rng.pick(['countMatches', 'countOccurrences', 'occurrences', 'frequency', 'countEqual', 'timesSeen']);
  const [list, t, c, x] = distinct(rng, LISTS, OTHER_STRINGS, COUNTERS, ['s', 'w', 'item', 'entry', 'e', 'str']) as [string, string, string, string];
  const guard = rng.next() < 0.4;
  return {
    bugs: ['string-equality', 'wrong-increment', 'wrong-return', ...(guard ? (['missing-null-check'] as const) : [])],
    render: (bug) =>
      `${mod} int ${name}(List<String> ${list}, String ${t}) { ${guardIf(guard && bug !== 'missing-null-check', `if (${list} == null) { return 0; }`)}` +
      `int ${c} = 0; for (String ${x} : ${list}) { if (${bug === 'string-equality' ? `${x} == ${t}` : `${x}.equals(${t})`}) ` +
      `{ ${c}${bug === 'wrong-increment' ? '--' : '++'}; } } return ${bug === 'wrong-return' ? '0' : c}; }`,
  };
};

interface NullSafeForm {
  readonly names: readonly string[];
  readonly type: string;
  readonly onNull: string;
  readonly wrongOnNull: string;
  readonly body: (s: string) => string;
}
const NULL_SAFE: readonly NullSafeForm[] = [
  { names: ['lengthOf', 'safeLength', 'sizeOf', 'textLength'], type: 'int', onNull: '0', wrongOnNull: '-1', body: (s) => `${s}.length()` },
  { names: ['isBlank', 'isEmptyText', 'blank', 'isNullOrBlank'], type: 'boolean', onNull: 'true', wrongOnNull: 'false', body: (s) => `${s}.trim().isEmpty()` },
  { names: ['safeTrim', 'trimmed', 'normalize', 'clean'], type: 'String', onNull: '""', wrongOnNull: 'null', body: (s) => `${s}.trim()` },
  { names: ['toUpper', 'upper', 'shout', 'upperCase'], type: 'String', onNull: 'null', wrongOnNull: '""', body: (s) => `${s}.toUpperCase()` },
  { names: ['firstChar', 'initial', 'headChar'], type: 'char', onNull: "' '", wrongOnNull: "'0'", body: (s) => `${s}.charAt(0)` },
];

const nullSafeString: Template = (rng) => {
  const mod = rng.pick(MODIFIERS);
  const form = rng.pick(NULL_SAFE);
  const name = rng.pick(form.names);
  const s = rng.pick(STRINGS);
  const empty = form.type === 'char' ? ` || ${s}.isEmpty()` : '';
  return {
    bugs: ['missing-null-check', 'wrong-return'],
    render: (bug) =>
      `${mod} ${form.type} ${name}(String ${s}) { ${guardIf(bug !== 'missing-null-check', `if (${s} == null${empty}) { return ${bug === 'wrong-return' ? form.wrongOnNull : form.onNull}; }`)}` +
      `return ${form.body(s)}; }`,
  };
};

const LABEL_SETS: readonly (readonly string[])[] = [
  ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'],
  ['red', 'green', 'blue', 'yellow'],
  ['low', 'medium', 'high', 'critical'],
  ['open', 'closed', 'pending', 'merged'],
  ['small', 'large', 'huge'],
  ['north', 'south', 'east', 'west'],
];

const switchLabel: Template = (rng) => {
  const mod = rng.pick(MODIFIERS);
  const name = rng.pick(['label', 'nameOf', 'describe', 'toLabel', 'codeName', 'lookup']);
  const [v, r] = distinct(rng, ['code', 'kind', 'id', 'level', 'n', 'type'], ['result', 'label', 'out', 'r', 'text']) as [string, string];
  const labels = rng.shuffle(rng.pick(LABEL_SETS)).slice(0, 3);
  const first = rng.int(3);
  const keys = [first, first + 1];
  const fallback = rng.pick(['"?"', '"unknown"', '""', 'null']);
  const broken = rng.int(2);
  return {
    bugs: ['missing-break'],
    render: (bug) => {
      const cases = keys.map((k, n) => `case ${k}: ${r} = "${labels[n] ?? ''}";${bug === 'missing-break' && n === broken ? '' : ' break;'}`).join(' ');
      return `${mod} String ${name}(int ${v}) { String ${r}; switch (${v}) { ${cases} default: ${r} = ${fallback}; } return ${r}; }`;
    },
  };
};

interface SwapForm {
  readonly names: readonly string[];
  readonly render: (args: readonly [string, string], swap: boolean, guard: boolean) => string;
  readonly argNames: readonly (readonly [string, string])[];
  /** Has a null check that the missing-null-check bug can drop. */
  readonly guarded: boolean;
}
const SWAPS: readonly SwapForm[] = [
  {
    names: ['power', 'pow', 'raise', 'exp'],
    argNames: [['base', 'exponent'], ['base', 'exp'], ['x', 'n'], ['value', 'power']],
    guarded: false,
    render: ([a, b], swap) => `int NAME(int ${a}, int ${b}) { return (int) Math.pow(${swap ? b : a}, ${swap ? a : b}); }`,
  },
  {
    names: ['slice', 'between', 'cut', 'part', 'section'],
    argNames: [['start', 'end'], ['from', 'to'], ['begin', 'stop'], ['lo', 'hi']],
    guarded: true,
    render: ([a, b], swap, guard) =>
      `String NAME(String s, int ${a}, int ${b}) { ${guardIf(guard, 'if (s == null) { return ""; }')}return s.substring(${swap ? b : a}, ${swap ? a : b}); }`,
  },
  {
    names: ['copyInto', 'copyTo', 'copyAll', 'fill'],
    argNames: [['source', 'target'], ['src', 'dest'], ['from', 'to'], ['input', 'output']],
    guarded: false,
    render: ([a, b], swap) => `void NAME(int[] ${a}, int[] ${b}) { System.arraycopy(${swap ? b : a}, 0, ${swap ? a : b}, 0, ${a}.length); }`,
  },
  {
    names: ['wrap', 'modulo', 'floorMod', 'wrapIndex'],
    argNames: [['value', 'size'], ['index', 'length'], ['x', 'm'], ['n', 'period']],
    guarded: false,
    render: ([a, b], swap) => `int NAME(int ${a}, int ${b}) { return Math.floorMod(${swap ? b : a}, ${swap ? a : b}); }`,
  },
  {
    names: ['compareValues', 'order', 'compareTo', 'cmp'],
    argNames: [['a', 'b'], ['left', 'right'], ['first', 'second'], ['x', 'y']],
    guarded: false,
    render: ([a, b], swap) => `int NAME(int ${a}, int ${b}) { return Integer.compare(${swap ? b : a}, ${swap ? a : b}); }`,
  },
  {
    names: ['angle', 'heading', 'direction', 'bearing'],
    argNames: [['y', 'x'], ['dy', 'dx'], ['rise', 'run'], ['north', 'east']],
    guarded: false,
    render: ([a, b], swap) => `double NAME(double ${a}, double ${b}) { return Math.atan2(${swap ? b : a}, ${swap ? a : b}); }`,
  },
];

const swappedArguments: Template = (rng) => {
  const mod = rng.pick(MODIFIERS);
  const form = rng.pick(SWAPS);
  const name = rng.pick(form.names);
  const args = rng.pick(form.argNames);
  return {
    bugs: ['swapped-arguments', ...(form.guarded ? (['missing-null-check'] as const) : [])],
    render: (bug) => `${mod} ${form.render(args, bug === 'swapped-arguments', bug !== 'missing-null-check').replace('NAME', name)}`,
  };
};

const inclusiveLoop: Template = (rng) => {
  const mod = rng.pick(MODIFIERS);
  const product = rng.next() < 0.4;
  const name = rng.pick(product ? ['factorial', 'fact', 'productUpTo'] : ['sumUpTo', 'sumTo', 'triangular', 'sumFirst']);
  const T = product ? 'long' : rng.pick(['int', 'long']);
  const [n, i, acc] = distinct(rng, ['n', 'limit', 'count', 'max', 'upTo'], INDICES, ACCUMULATORS) as [string, string, string];
  return {
    bugs: ['off-by-one', 'wrong-increment', 'wrong-return'],
    render: (bug) =>
      `${mod} ${T} ${name}(int ${n}) { ${T} ${acc} = ${product ? 1 : 0}; for (int ${i} = ${product ? 2 : 1}; ${i} ${bug === 'off-by-one' ? '<' : '<='} ${n}; ` +
      `${i}${bug === 'wrong-increment' ? '--' : '++'}) { ${acc} ${product ? '*=' : '+='} ${i}; } return ${bug === 'wrong-return' ? n : acc}; }`,
  };
};

const digitLoop: Template = (rng) => {
  const mod = rng.pick(MODIFIERS);
  const sumDigits = rng.next() < 0.5;
  const name = rng.pick(sumDigits ? ['digitSum', 'sumDigits', 'crossSum'] : ['countDigits', 'digits', 'numDigits', 'digitCount']);
  const [n, c] = distinct(rng, ['n', 'number', 'value', 'x', 'num'], sumDigits ? ACCUMULATORS : COUNTERS) as [string, string];
  const wrongReturn = rng.pick(sumDigits ? [n, '0'] : [n, '0', '1']);
  return {
    bugs: ['wrong-increment', 'wrong-operator', 'wrong-return'],
    render: (bug) =>
      `${mod} int ${name}(int ${n}) { int ${c} = 0; while (${n} ${bug === 'wrong-operator' ? '==' : '!='} 0) { ` +
      `${sumDigits ? `${c} ${bug === 'wrong-increment' ? '-=' : '+='} ${n} % 10;` : `${c}${bug === 'wrong-increment' ? '--' : '++'};`} ${n} /= 10; } ` +
      `return ${bug === 'wrong-return' ? wrongReturn : c}; }`,
  };
};

const average: Template = (rng) => {
  const mod = rng.pick(MODIFIERS);
  const T = rng.pick(['int', 'long', 'double']);
  const name = rng.pick(['average', 'mean', 'avg', 'meanOf', 'averageOf']);
  const [a, acc, x] = distinct(rng, ARRAYS, ACCUMULATORS, ELEMENTS) as [string, string, string];
  const guard = rng.next() < 0.5;
  return {
    bugs: ['wrong-return', ...(guard ? (['missing-null-check'] as const) : [])],
    render: (bug) =>
      `${mod} double ${name}(${T}[] ${a}) { ${guardIf(guard && bug !== 'missing-null-check', `if (${a} == null) { return 0; }`)}` +
      `if (${a}.length == 0) { return 0; } double ${acc} = 0; for (${T} ${x} : ${a}) { ${acc} += ${x}; } ` +
      `return ${bug === 'wrong-return' ? acc : `${acc} / ${a}.length`}; }`,
  };
};

const ENTITIES = ['User', 'Order', 'Customer', 'Account', 'Product', 'Book', 'Employee', 'Student'] as const;
const GETTERS = ['getName', 'getEmail', 'getCity', 'getTitle', 'getStatus', 'getCode'] as const;

const nullSafeGetter: Template = (rng) => {
  const mod = rng.pick(MODIFIERS);
  const entity = rng.pick(ENTITIES);
  const getter = rng.pick(GETTERS);
  const v = rng.pick([entity.charAt(0).toLowerCase(), entity.toLowerCase(), 'obj', 'item']);
  // The name states what a null entity gives: `emailOf` → null, `safeEmail` → "", `getEmailOrDefault` → "n/a".
  const style = rng.int(3);
  const name = [`${getter.slice(3).charAt(0).toLowerCase()}${getter.slice(4)}Of`, `safe${getter.slice(3)}`, `${getter}OrDefault`][style] ?? getter;
  const fallback = ['null', '""', '"n/a"'][style] ?? 'null';
  const wrong = rng.pick(['null', '""', '"n/a"'].filter((f) => f !== fallback));
  return {
    bugs: ['missing-null-check', 'wrong-return'],
    render: (bug) =>
      `${mod} String ${name}(${entity} ${v}) { ${guardIf(bug !== 'missing-null-check', `if (${v} == null) { return ${bug === 'wrong-return' ? wrong : fallback}; }`)}` +
      `return ${v}.${getter}(); }`,
  };
};

const PREDICATES: readonly { names: readonly string[]; op: Op | '==' | '!='; rhs: string; lhs: (x: string) => string }[] = [
  { names: ['isPositive', 'positive', 'isAboveZero'], op: '>', rhs: '0', lhs: (x) => x },
  { names: ['isNegative', 'negative', 'isBelowZero'], op: '<', rhs: '0', lhs: (x) => x },
  { names: ['isNonNegative', 'notNegative'], op: '>=', rhs: '0', lhs: (x) => x },
  { names: ['isEven', 'even'], op: '==', rhs: '0', lhs: (x) => `${x} % 2` },
  { names: ['isOdd', 'odd'], op: '!=', rhs: '0', lhs: (x) => `${x} % 2` },
  { names: ['isAdult', 'canVote'], op: '>=', rhs: '18', lhs: (x) => x },
  { names: ['isTeen'], op: '<', rhs: '20', lhs: (x) => x },
];

const predicate: Template = (rng) => {
  const mod = rng.pick(MODIFIERS);
  const p = rng.pick(PREDICATES);
  const name = rng.pick(p.names);
  const x = rng.pick(['x', 'n', 'value', 'age', 'num', 'v']);
  const wrong = otherOp(rng, p.op, p.op === '==' || p.op === '!=' ? ['==', '!='] : OPS);
  return {
    bugs: ['wrong-operator'],
    render: (bug) => `${mod} boolean ${name}(int ${x}) { return ${p.lhs(x)} ${bug === 'wrong-operator' ? wrong : p.op} ${p.rhs}; }`,
  };
};

export const JAVA_TEMPLATES: Readonly<Record<string, Template>> = {
  sumArray,
  countCompare,
  extremum,
  indexOf,
  containsValue,
  stringEquals,
  countMatches,
  nullSafeString,
  switchLabel,
  swappedArguments,
  inclusiveLoop,
  digitLoop,
  average,
  nullSafeGetter,
  predicate,
};

// ---------------------------------------------------------------------------------------------------------
// Public API

export const MAX_JAVA_TOKENS = 90;
const TEMPLATE_NAMES = Object.keys(JAVA_TEMPLATES);

/**
 * One random buggy → fixed pair (no deduplication). The bug class is drawn uniformly, then templates until one
 * can carry it; pairs over MAX_JAVA_TOKENS tokens (main/data/tokenizer) are re-drawn.
 */
export function sampleJavaRepairExample(rng: Rng): JavaRepairExample {
  const bug = rng.pick(JAVA_BUG_KINDS);
  for (;;) {
    const templateName = rng.pick(TEMPLATE_NAMES);
    const template = JAVA_TEMPLATES[templateName];
    if (template === undefined) continue;
    const instance = template(rng);
    if (!instance.bugs.includes(bug)) continue;
    const src = instance.render(bug);
    const tgt = instance.render(null);
    if (src === tgt) continue;
    if (tokenize(src).length > MAX_JAVA_TOKENS || tokenize(tgt).length > MAX_JAVA_TOKENS) continue;
    return { src, tgt, bug, template: templateName };
  }
}

/** `size` pairs with pairwise-distinct buggy methods, deterministic for a seed, with their bug classes. */
export function generateJavaRepairExamples(options: { seed: number; size: number }): JavaRepairExample[] {
  const { seed, size } = options;
  if (!Number.isInteger(size) || size < 0) throw new Error(`generateJavaRepairCorpus: size must be a non-negative integer, got ${size}`);
  const rng = createRng(`java-repair-corpus/${String(seed)}`);
  const seen = new Set<string>();
  const out: JavaRepairExample[] = [];
  const maxDraws = 50 * size + 1000;
  for (let draws = 0; out.length < size; draws++) {
    if (draws >= maxDraws) throw new Error(`generateJavaRepairCorpus: could not find ${size} distinct buggy methods (got ${out.length})`);
    const example = sampleJavaRepairExample(rng);
    if (seen.has(example.src)) continue;
    seen.add(example.src);
    out.push(example);
  }
  return out;
}

/** `size` buggy → fixed Java method pairs with pairwise-distinct inputs, deterministic for a seed. */
export function generateJavaRepairCorpus(options: { seed: number; size: number }): CodePair[] {
  return generateJavaRepairExamples(options).map(({ src, tgt }) => ({ src, tgt }));
}

export function describeJavaRepairCorpus(): string {
  return (
    `Built-in Java repair corpus (Bugs2Fix style): short one-line Java methods, buggy → fixed, from ` +
    `${TEMPLATE_NAMES.length} method templates with one bug each — off-by-one loop bounds, wrong comparison operators, ` +
    `missing null checks, wrong return values, swapped arguments, == instead of .equals on strings, a missing break, ` +
    `a wrong increment. Generated from a seed; every buggy method is distinct.`
  );
}

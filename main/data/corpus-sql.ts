/**
 * The embedded default corpus: natural-language requests → short Python functions that run SQL through a
 * database connection (the "turducken" style of Lyra-like benchmarks).
 *
 * Every pair is generated from a structured specification (table, columns, conditions, ordering, limit,
 * return form, write options, client-library family). The prompt is free wording, but it states every part of
 * the specification, and the code is a pure function of the specification — so a perfect model can reach
 * exact match. Three client families are used:
 *
 * - SQLAlchemy 2 (`text()` + `:name` placeholders + a dict): the default when the prompt names no library;
 * - DB-API cursor (`%s` placeholders + a tuple): prompts say "using a cursor", "with a DB-API cursor", …;
 * - sqlite3 (`?` placeholders + a tuple): prompts say "in SQLite", "using sqlite3", ….
 */
import { createRng } from './rng';
import type { Rng } from './rng';
import type { CodePair } from './types';
import { tokenize } from './tokenizer';

// ---------------------------------------------------------------------------------------------------------
// Schema

export type SqlColumnType = 'int' | 'float' | 'text' | 'date';

export interface SqlColumn {
  readonly name: string;
  readonly type: SqlColumnType;
  /** Ways the prompt names this column. */
  readonly nl: readonly string[];
}

export interface SqlTable {
  readonly name: string;
  /** The singular used in generated function names (`add_user`, `find_user_by_id`). */
  readonly singular: string;
  /** Ways the prompt names a row / the rows: [singular, plural] pairs. */
  readonly nouns: readonly (readonly [string, string])[];
  readonly columns: readonly SqlColumn[];
}

const col = (name: string, type: SqlColumnType, ...nl: string[]): SqlColumn => ({ name, type, nl });
const ID = col('id', 'int', 'id', 'ID');

export const SQL_TABLES: readonly SqlTable[] = [
  {
    name: 'users', singular: 'user',
    nouns: [['user', 'users'], ['account', 'accounts'], ['member', 'members']],
    columns: [ID, col('username', 'text', 'username', 'user name', 'login name'), col('email', 'text', 'email', 'email address'),
      col('age', 'int', 'age'), col('city', 'text', 'city', 'home city'), col('status', 'text', 'status', 'account status'),
      col('created_at', 'date', 'creation date', 'registration date')],
  },
  {
    name: 'orders', singular: 'order',
    nouns: [['order', 'orders'], ['purchase', 'purchases']],
    columns: [ID, col('customer_id', 'int', 'customer id', 'buyer id'), col('amount', 'float', 'amount', 'order total'),
      col('quantity', 'int', 'quantity', 'unit count'), col('status', 'text', 'status', 'order status'),
      col('order_date', 'date', 'order date', 'purchase date')],
  },
  {
    name: 'products', singular: 'product',
    nouns: [['product', 'products'], ['item', 'items']],
    columns: [ID, col('name', 'text', 'name', 'product name'), col('category', 'text', 'category'),
      col('price', 'float', 'price', 'unit price'), col('stock', 'int', 'stock', 'stock level'), col('rating', 'float', 'rating', 'review score')],
  },
  {
    name: 'employees', singular: 'employee',
    nouns: [['employee', 'employees'], ['staff member', 'staff members'], ['worker', 'workers']],
    columns: [ID, col('first_name', 'text', 'first name', 'given name'), col('last_name', 'text', 'last name', 'surname'),
      col('department', 'text', 'department', 'dept'), col('salary', 'float', 'salary', 'annual pay'),
      col('hire_date', 'date', 'hire date', 'start date'), col('manager_id', 'int', 'manager id')],
  },
  {
    name: 'students', singular: 'student',
    nouns: [['student', 'students'], ['pupil', 'pupils']],
    columns: [ID, col('name', 'text', 'name', 'full name'), col('major', 'text', 'major', 'field of study'),
      col('grade', 'int', 'grade', 'grade level'), col('gpa', 'float', 'gpa', 'grade point average'),
      col('enrollment_year', 'int', 'enrollment year', 'year of enrollment')],
  },
  {
    name: 'flights', singular: 'flight',
    nouns: [['flight', 'flights']],
    columns: [ID, col('flight_number', 'text', 'flight number', 'flight code'), col('origin', 'text', 'origin', 'departure city'),
      col('destination', 'text', 'destination', 'arrival city'), col('departure_date', 'date', 'departure date', 'travel date'),
      col('price', 'float', 'price', 'fare', 'ticket price'), col('seats', 'int', 'seats', 'available seats')],
  },
  {
    name: 'books', singular: 'book',
    nouns: [['book', 'books'], ['novel', 'novels']],
    columns: [ID, col('title', 'text', 'title'), col('author', 'text', 'author', 'writer'), col('genre', 'text', 'genre'),
      col('published_year', 'int', 'publication year', 'year published'), col('price', 'float', 'price'), col('pages', 'int', 'page count')],
  },
  {
    name: 'patients', singular: 'patient',
    nouns: [['patient', 'patients']],
    columns: [ID, col('name', 'text', 'name', 'patient name'), col('age', 'int', 'age'), col('diagnosis', 'text', 'diagnosis', 'condition'),
      col('admission_date', 'date', 'admission date'), col('room', 'int', 'room', 'room number')],
  },
  {
    name: 'courses', singular: 'course',
    nouns: [['course', 'courses'], ['class', 'classes']],
    columns: [ID, col('title', 'text', 'title', 'course name'), col('instructor', 'text', 'instructor', 'teacher', 'lecturer'),
      col('department', 'text', 'department'), col('credits', 'int', 'credits', 'credit count'), col('capacity', 'int', 'capacity', 'enrollment cap')],
  },
  {
    name: 'invoices', singular: 'invoice',
    nouns: [['invoice', 'invoices'], ['bill', 'bills']],
    columns: [ID, col('customer_id', 'int', 'customer id', 'client id'), col('total', 'float', 'total', 'amount due'),
      col('status', 'text', 'status', 'payment status'), col('issue_date', 'date', 'issue date'), col('due_date', 'date', 'due date', 'payment deadline')],
  },
  {
    name: 'movies', singular: 'movie',
    nouns: [['movie', 'movies'], ['film', 'films']],
    columns: [ID, col('title', 'text', 'title'), col('director', 'text', 'director', 'filmmaker'), col('genre', 'text', 'genre'),
      col('release_year', 'int', 'release year', 'year of release'), col('rating', 'float', 'rating', 'score'),
      col('duration', 'int', 'duration', 'running time')],
  },
  {
    name: 'hotels', singular: 'hotel',
    nouns: [['hotel', 'hotels']],
    columns: [ID, col('name', 'text', 'name', 'hotel name'), col('city', 'text', 'city', 'location'), col('stars', 'int', 'stars', 'star rating'),
      col('price', 'float', 'price', 'nightly rate'), col('rooms', 'int', 'rooms', 'room count')],
  },
  {
    name: 'customers', singular: 'customer',
    nouns: [['customer', 'customers'], ['client', 'clients']],
    columns: [ID, col('name', 'text', 'name', 'customer name'), col('email', 'text', 'email', 'email address'), col('country', 'text', 'country'),
      col('phone', 'text', 'phone', 'phone number'), col('loyalty_points', 'int', 'loyalty points', 'reward points'),
      col('signup_date', 'date', 'signup date', 'registration date')],
  },
  {
    name: 'suppliers', singular: 'supplier',
    nouns: [['supplier', 'suppliers'], ['vendor', 'vendors']],
    columns: [ID, col('company', 'text', 'company', 'company name'), col('country', 'text', 'country'),
      col('contact', 'text', 'contact', 'contact person'), col('rating', 'float', 'rating', 'quality score'),
      col('lead_time', 'int', 'lead time', 'delivery time')],
  },
  {
    name: 'songs', singular: 'song',
    nouns: [['song', 'songs'], ['track', 'tracks']],
    columns: [ID, col('title', 'text', 'title', 'song title'), col('artist', 'text', 'artist', 'singer', 'performer'), col('album', 'text', 'album'),
      col('duration', 'int', 'duration', 'length'), col('plays', 'int', 'plays', 'play count')],
  },
  {
    name: 'cars', singular: 'car',
    nouns: [['car', 'cars'], ['vehicle', 'vehicles']],
    columns: [ID, col('make', 'text', 'make', 'brand', 'manufacturer'), col('model', 'text', 'model'), col('year', 'int', 'year', 'model year'),
      col('price', 'float', 'price'), col('mileage', 'int', 'mileage'), col('color', 'text', 'color', 'colour')],
  },
];

/** `CREATE TABLE` statements for the corpus tables (SQLite dialect), e.g. to check generated SQL. */
export function sqlCorpusSchema(): string {
  const sqlType: Record<SqlColumnType, string> = { int: 'INTEGER', float: 'REAL', text: 'TEXT', date: 'DATE' };
  return SQL_TABLES.map((table) => {
    const columns = table.columns.map((c) => (c.name === 'id' ? 'id INTEGER PRIMARY KEY' : `${c.name} ${sqlType[c.type]}`));
    return `CREATE TABLE ${table.name} (${columns.join(', ')});`;
  }).join('\n');
}

// ---------------------------------------------------------------------------------------------------------
// Specifications

type Op = '=' | '!=' | '>' | '<' | '>=' | '<=' | 'LIKE';
type Family = 'sqlalchemy' | 'dbapi' | 'sqlite';
type AggFn = 'COUNT' | 'SUM' | 'AVG' | 'MAX' | 'MIN';

interface Cond {
  readonly col: SqlColumn;
  readonly op: Op;
}

interface SelectSpec {
  readonly kind: 'select';
  readonly table: SqlTable;
  readonly cols: readonly SqlColumn[] | null; // null → *
  readonly conds: readonly Cond[];
  readonly order: { readonly col: SqlColumn; readonly desc: boolean } | null;
  readonly limit: number | null;
  readonly ret: 'all' | 'one' | 'list' | 'print';
}
interface AggregateSpec {
  readonly kind: 'aggregate';
  readonly table: SqlTable;
  readonly fn: AggFn;
  readonly col: SqlColumn | null; // null for COUNT(*)
  readonly conds: readonly Cond[];
  readonly ret: 'return' | 'print';
}
interface InsertSpec {
  readonly kind: 'insert';
  readonly table: SqlTable;
  readonly cols: readonly SqlColumn[];
  readonly commit: boolean;
}
interface UpdateSpec {
  readonly kind: 'update';
  readonly table: SqlTable;
  readonly set: SqlColumn;
  readonly conds: readonly Cond[];
  readonly commit: boolean;
  readonly rowcount: boolean;
}
interface DeleteSpec {
  readonly kind: 'delete';
  readonly table: SqlTable;
  readonly conds: readonly Cond[];
  readonly commit: boolean;
  readonly rowcount: boolean;
}
type Spec = SelectSpec | AggregateSpec | InsertSpec | UpdateSpec | DeleteSpec;

function weighted<T>(rng: Rng, options: readonly (readonly [T, number])[]): T {
  const total = options.reduce((sum, [, w]) => sum + w, 0);
  let r = rng.next() * total;
  for (const [value, w] of options) {
    r -= w;
    if (r < 0) return value;
  }
  const last = options[options.length - 1];
  if (last === undefined) throw new Error('weighted: no options');
  return last[0];
}

const isNumeric = (c: SqlColumn): boolean => c.type === 'int' || c.type === 'float';
const nonId = (t: SqlTable): SqlColumn[] => t.columns.filter((c) => c.name !== 'id');

function pickOp(rng: Rng, c: SqlColumn): Op {
  switch (c.type) {
    case 'int':
    case 'float':
      return weighted<Op>(rng, [['=', 25], ['!=', 7], ['>', 20], ['<', 18], ['>=', 15], ['<=', 15]]);
    case 'text':
      return weighted<Op>(rng, [['=', 65], ['!=', 12], ['LIKE', 23]]);
    case 'date':
      return weighted<Op>(rng, [['=', 15], ['>', 25], ['<', 25], ['>=', 18], ['<=', 17]]);
  }
}

/** `count` distinct conditions on distinct columns (none on `exclude`); the first may be `id = …`. */
function pickConds(rng: Rng, table: SqlTable, count: number, idShare: number, exclude: readonly SqlColumn[] = []): Cond[] {
  const conds: Cond[] = [];
  let candidates = nonId(table).filter((c) => !exclude.includes(c));
  if (count === 1 && rng.next() < idShare) return [{ col: ID, op: '=' }];
  for (let i = 0; i < count; i++) {
    const c = rng.pick(candidates);
    candidates = candidates.filter((x) => x !== c);
    conds.push({ col: c, op: pickOp(rng, c) });
  }
  // LIKE binds the parameter `pattern`: at most one LIKE per statement.
  if (conds.filter((c) => c.op === 'LIKE').length > 1) return pickConds(rng, table, count, idShare, exclude);
  return conds;
}

function pickColumns(rng: Rng, table: SqlTable, min: number, max: number): SqlColumn[] {
  const n = min + rng.int(max - min + 1);
  const chosen = new Set(rng.shuffle(nonId(table)).slice(0, n));
  return nonId(table).filter((c) => chosen.has(c)); // schema order
}

const LIMITS = [3, 5, 10, 20, 25, 50, 100] as const;

function sampleSpec(rng: Rng): Spec {
  const table = rng.pick(SQL_TABLES);
  const kind = weighted(rng, [['select', 58], ['aggregate', 14], ['insert', 9], ['update', 9], ['delete', 10]] as const);
  switch (kind) {
    case 'select': {
      const ret = weighted(rng, [['all', 45], ['one', 15], ['list', 15], ['print', 25]] as const);
      const nConds = weighted(rng, [[0, 25], [1, 57], [2, 18]] as const);
      const conds = pickConds(rng, table, nConds, ret === 'one' ? 0.45 : 0.08);
      const cols = ret === 'list' ? pickColumns(rng, table, 1, 1) : rng.next() < 0.45 ? null : pickColumns(rng, table, 1, 3);
      const orderP = nConds === 0 ? 0.5 : 0.25;
      const order = rng.next() < orderP ? { col: rng.pick(nonId(table)), desc: rng.next() < 0.5 } : null;
      const limitP = ret === 'one' ? 0 : nConds === 0 ? 0.4 : 0.18;
      const limit = rng.next() < limitP ? rng.pick(LIMITS) : null;
      return { kind, table, cols, conds, order, limit, ret };
    }
    case 'aggregate': {
      const numeric = nonId(table).filter(isNumeric);
      const fn = weighted<AggFn>(rng, [['COUNT', 40], ['SUM', 15], ['AVG', 20], ['MAX', 13], ['MIN', 12]]);
      const aggCol = fn === 'COUNT' ? null : rng.pick(numeric);
      const nConds = weighted(rng, [[0, 40], [1, 50], [2, 10]] as const);
      const conds = pickConds(rng, table, nConds, 0, aggCol === null ? [] : [aggCol]);
      return { kind, table, fn, col: aggCol, conds, ret: rng.next() < 0.75 ? 'return' : 'print' };
    }
    case 'insert':
      return { kind, table, cols: pickColumns(rng, table, 2, rng.next() < 0.15 ? 4 : 3), commit: rng.next() < 0.5 };
    case 'update': {
      const set = rng.pick(nonId(table));
      const nConds = weighted(rng, [[0, 13], [1, 77], [2, 10]] as const);
      const conds = pickConds(rng, table, nConds, 0.55, [set]);
      return { kind, table, set, conds, commit: rng.next() < 0.5, rowcount: rng.next() < 0.25 };
    }
    case 'delete': {
      const nConds = weighted(rng, [[0, 13], [1, 77], [2, 10]] as const);
      const conds = pickConds(rng, table, nConds, 0.4);
      return { kind, table, conds, commit: rng.next() < 0.5, rowcount: rng.next() < 0.25 };
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Code

const paramOf = (c: Cond): string => (c.op === 'LIKE' ? 'pattern' : c.col.name);

function placeholder(family: Family, name: string): string {
  switch (family) {
    case 'sqlalchemy':
      return `:${name}`;
    case 'dbapi':
      return '%s';
    case 'sqlite':
      return '?';
  }
}

function whereSql(conds: readonly Cond[], family: Family): string {
  if (conds.length === 0) return '';
  return ` WHERE ${conds.map((c) => `${c.col.name} ${c.op} ${placeholder(family, paramOf(c))}`).join(' AND ')}`;
}

/** The SQL statement and the parameter names in placeholder order. */
function renderSql(spec: Spec, family: Family): { sql: string; params: string[] } {
  const t = spec.table.name;
  const condParams = spec.kind === 'insert' ? [] : spec.conds.map(paramOf);
  switch (spec.kind) {
    case 'select': {
      const cols = spec.cols === null ? '*' : spec.cols.map((c) => c.name).join(', ');
      const order = spec.order === null ? '' : ` ORDER BY ${spec.order.col.name}${spec.order.desc ? ' DESC' : ''}`;
      const limit = spec.limit === null ? '' : ` LIMIT ${spec.limit}`;
      return { sql: `SELECT ${cols} FROM ${t}${whereSql(spec.conds, family)}${order}${limit}`, params: condParams };
    }
    case 'aggregate': {
      const arg = spec.col === null ? '*' : spec.col.name;
      return { sql: `SELECT ${spec.fn}(${arg}) FROM ${t}${whereSql(spec.conds, family)}`, params: condParams };
    }
    case 'insert': {
      const names = spec.cols.map((c) => c.name);
      const values = names.map((n) => placeholder(family, n)).join(', ');
      return { sql: `INSERT INTO ${t} (${names.join(', ')}) VALUES (${values})`, params: names };
    }
    case 'update':
      return {
        sql: `UPDATE ${t} SET ${spec.set.name} = ${placeholder(family, spec.set.name)}${whereSql(spec.conds, family)}`,
        params: [spec.set.name, ...condParams],
      };
    case 'delete':
      return { sql: `DELETE FROM ${t}${whereSql(spec.conds, family)}`, params: condParams };
  }
}

const OP_SUFFIX: Record<Op, (c: string) => string> = {
  '=': (c) => `by_${c}`,
  '!=': (c) => `excluding_${c}`,
  '>': (c) => `${c}_above`,
  '<': (c) => `${c}_below`,
  '>=': (c) => `${c}_at_least`,
  '<=': (c) => `${c}_at_most`,
  LIKE: (c) => `${c}_like`,
};

function functionName(spec: Spec): string {
  const t = spec.table.name;
  const filter = spec.kind === 'insert' || spec.conds.length === 0
    ? ''
    : `_${spec.conds.map((c, i) => (i > 0 && c.op === '=' ? c.col.name : OP_SUFFIX[c.op](c.col.name))).join('_and_')}`;
  switch (spec.kind) {
    case 'select': {
      const base = { all: `get_${t}`, one: `find_${spec.table.singular}`, print: `print_${t}`, list: `list_${t}_${spec.cols?.[0]?.name ?? ''}` }[spec.ret];
      return base + filter;
    }
    case 'aggregate': {
      const base = spec.col === null ? `count_${t}` : `${spec.fn.toLowerCase()}_${t}_${spec.col.name}`;
      return (spec.ret === 'print' ? 'print_' : '') + base + filter;
    }
    case 'insert':
      return `add_${spec.table.singular}`;
    case 'update':
      return spec.conds.length === 0 ? `update_all_${t}_${spec.set.name}` : `update_${t}_${spec.set.name}${filter}`;
    case 'delete':
      return spec.conds.length === 0 ? `delete_all_${t}` : `delete_${t}${filter}`;
  }
}

function renderCode(spec: Spec, family: Family): string {
  const { sql, params } = renderSql(spec, family);
  const name = functionName(spec);
  const args = params.map((p) => `, ${p}`).join('');
  const dict = params.length === 0 ? '' : `, {${params.map((p) => `"${p}": ${p}`).join(', ')}}`;
  const tuple = params.length === 0 ? '' : params.length === 1 ? `, (${params[0] ?? ''},)` : `, (${params.join(', ')})`;
  const isWrite = spec.kind === 'insert' || spec.kind === 'update' || spec.kind === 'delete';
  const commit = isWrite && spec.commit;
  const rowcount = (spec.kind === 'update' || spec.kind === 'delete') && spec.rowcount;
  const printRow = spec.kind === 'select' && spec.cols?.length === 1 ? 'print(row[0])' : 'print(row)';
  const I = '    ';
  const lines: string[] = [];

  switch (family) {
    case 'sqlalchemy': {
      lines.push(`def ${name}(conn${args}):`, `${I}query = text("${sql}")`);
      const exec = `conn.execute(query${dict})`;
      if (isWrite) {
        lines.push(rowcount ? `${I}result = ${exec}` : `${I}${exec}`);
        if (commit) lines.push(`${I}conn.commit()`);
        if (rowcount) lines.push(`${I}return result.rowcount`);
      } else if (spec.kind === 'aggregate') {
        lines.push(spec.ret === 'print' ? `${I}print(${exec}.scalar())` : `${I}return ${exec}.scalar()`);
      } else {
        if (spec.ret === 'all') lines.push(`${I}return ${exec}.fetchall()`);
        else if (spec.ret === 'one') lines.push(`${I}return ${exec}.fetchone()`);
        else if (spec.ret === 'list') lines.push(`${I}return [row[0] for row in ${exec}]`);
        else lines.push(`${I}for row in ${exec}:`, `${I}${I}${printRow}`);
      }
      break;
    }
    case 'sqlite': {
      lines.push(`def ${name}(conn${args}):`);
      const exec = `conn.execute("${sql}"${tuple})`;
      if (isWrite) {
        lines.push(rowcount ? `${I}cur = ${exec}` : `${I}${exec}`);
        if (commit) lines.push(`${I}conn.commit()`);
        if (rowcount) lines.push(`${I}return cur.rowcount`);
      } else {
        lines.push(`${I}cur = ${exec}`);
        if (spec.kind === 'aggregate') {
          lines.push(spec.ret === 'print' ? `${I}print(cur.fetchone()[0])` : `${I}return cur.fetchone()[0]`);
        } else {
          if (spec.ret === 'all') lines.push(`${I}return cur.fetchall()`);
          else if (spec.ret === 'one') lines.push(`${I}return cur.fetchone()`);
          else if (spec.ret === 'list') lines.push(`${I}return [row[0] for row in cur]`);
          else lines.push(`${I}for row in cur:`, `${I}${I}${printRow}`);
        }
      }
      break;
    }
    case 'dbapi': {
      const exec = `cursor.execute("${sql}"${tuple})`;
      if (isWrite && commit) {
        lines.push(`def ${name}(conn${args}):`, `${I}cursor = conn.cursor()`, `${I}${exec}`, `${I}conn.commit()`);
      } else {
        lines.push(`def ${name}(cursor${args}):`, `${I}${exec}`);
      }
      if (rowcount) lines.push(`${I}return cursor.rowcount`);
      if (spec.kind === 'aggregate') {
        lines.push(spec.ret === 'print' ? `${I}print(cursor.fetchone()[0])` : `${I}return cursor.fetchone()[0]`);
      } else if (spec.kind === 'select') {
        if (spec.ret === 'all') lines.push(`${I}return cursor.fetchall()`);
        else if (spec.ret === 'one') lines.push(`${I}return cursor.fetchone()`);
        else if (spec.ret === 'list') lines.push(`${I}return [row[0] for row in cursor.fetchall()]`);
        else lines.push(`${I}for row in cursor.fetchall():`, `${I}${I}${printRow}`);
      }
      break;
    }
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------------------
// Prompt

/** Third person singular of a (possibly phrasal) verb: get → gets, fetch → fetches, query → queries, look up → looks up. */
function thirdPerson(verb: string): string {
  const [head = verb, ...rest] = verb.split(' ');
  let third: string;
  if (/(?:s|sh|ch|x|z)$/.test(head)) third = `${head}es`;
  else if (/[^aeiou]y$/.test(head)) third = `${head.slice(0, -1)}ies`;
  else third = `${head}s`;
  return [third, ...rest].join(' ');
}

type Mood = 'base' | 'third';

function joinList(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1] ?? ''}`;
}

const colWord = (rng: Rng, c: SqlColumn): string => rng.pick(c.nl);

interface OpWords {
  readonly verb: readonly string[]; // "whose age <verb> <ref>"
  readonly adj: readonly string[]; // "with age <adj> <ref>"
}
const NUMERIC_OPS: Record<Exclude<Op, 'LIKE'>, OpWords> = {
  '=': { verb: ['is', 'equals', 'is equal to'], adj: ['equal to'] },
  '!=': { verb: ['is not', 'does not equal', 'is different from'], adj: ['not equal to', 'different from', 'other than'] },
  '>': { verb: ['is greater than', 'exceeds', 'is above', 'is more than'], adj: ['greater than', 'above', 'over', 'more than', 'higher than'] },
  '<': { verb: ['is less than', 'is below', 'is under', 'is lower than'], adj: ['less than', 'below', 'under', 'lower than', 'smaller than'] },
  '>=': { verb: ['is at least', 'is greater than or equal to', 'is no less than'], adj: ['of at least', 'greater than or equal to', 'no less than'] },
  '<=': { verb: ['is at most', 'is less than or equal to', 'does not exceed'], adj: ['of at most', 'less than or equal to', 'no more than'] },
};
const TEXT_OPS: Partial<Record<Op, OpWords>> = {
  '=': { verb: ['is', 'equals', 'is equal to'], adj: ['equal to'] },
  '!=': { verb: ['is not', 'differs from', 'is different from'], adj: ['other than', 'not equal to', 'different from'] },
  LIKE: { verb: ['matches', 'is like', 'looks like'], adj: ['matching', 'like'] },
};
const DATE_OPS: Partial<Record<Op, OpWords>> = {
  '=': { verb: ['is', 'falls on', 'is equal to'], adj: ['on', 'equal to'] },
  '>': { verb: ['is after', 'is later than'], adj: ['after', 'later than'] },
  '<': { verb: ['is before', 'is earlier than'], adj: ['before', 'earlier than'] },
  '>=': { verb: ['is on or after', 'is not before'], adj: ['on or after', 'no earlier than'] },
  '<=': { verb: ['is on or before', 'is not after'], adj: ['on or before', 'no later than'] },
};

function opWords(c: Cond): OpWords {
  const table: Partial<Record<Op, OpWords>> = c.col.type === 'text' ? TEXT_OPS : c.col.type === 'date' ? DATE_OPS : NUMERIC_OPS;
  const words = table[c.op];
  if (words === undefined) throw new Error(`no wording for ${c.col.type} ${c.op}`);
  return words;
}

function refWords(rng: Rng, c: Cond, word: string): string {
  if (c.op === 'LIKE') return rng.pick(['a given pattern', 'a search pattern', 'the provided pattern', 'a LIKE pattern']);
  if (c.col.type === 'date') return rng.pick(['a given date', 'the given date', 'a specified date', 'the provided date']);
  const common = ['a given value', 'the given value', `a given ${word}`, `the provided ${word}`, 'a specified value', `the ${word} passed in`];
  if (c.op === '=' || c.op === '!=' || !isNumeric(c.col)) return rng.pick(common);
  return rng.pick([...common, 'a threshold', 'the given threshold']);
}

/** " whose age is above a threshold" / " with city equal to a given value and age …" / " by email". */
function filterWords(rng: Rng, conds: readonly Cond[], allowBy = true): string {
  if (conds.length === 0) return '';
  const first = conds[0];
  if (conds.length === 1 && first !== undefined && first.op === '=' && rng.next() < 0.25) {
    const w = colWord(rng, first.col);
    // "count the users by city" would read as GROUP BY: aggregates only get the unambiguous forms.
    return rng.pick(allowBy ? [` by ${w}`, ` for a given ${w}`, ` with a given ${w}`] : [` for a given ${w}`, ` with a given ${w}`]);
  }
  const style = rng.pick(['whose', 'with', 'where', 'where the'] as const);
  const parts = conds.map((c, i) => {
    const w = colWord(rng, c.col);
    const ow = opWords(c);
    const ref = refWords(rng, c, w);
    if (style === 'with') return `${w} ${rng.pick(ow.adj)} ${ref}`;
    const lead = i === 0 ? `${style} ` : rng.next() < 0.3 ? (style === 'where the' ? 'the ' : `${style} `) : '';
    return `${lead}${w} ${rng.pick(ow.verb)} ${ref}`;
  });
  return style === 'with' ? ` with ${parts.join(' and ')}` : ` ${parts.join(' and ')}`;
}

function numberWord(rng: Rng, n: number): string {
  const words: Record<number, string> = { 3: 'three', 5: 'five', 10: 'ten' };
  const w = words[n];
  return w !== undefined && rng.next() < 0.3 ? w : String(n);
}

interface Core {
  readonly verb: string;
  /** Everything after the verb, given the mood of the verb (only write extras depend on it). */
  readonly rest: (mood: Mood) => string;
}

function selectCore(rng: Rng, spec: SelectSpec): Core {
  const [S, P] = rng.pick(spec.table.nouns);
  const cols = spec.cols === null ? null : joinList(spec.cols.map((c) => colWord(rng, c)));
  let verb: string;
  let object: string;
  switch (spec.ret) {
    case 'all':
      verb = rng.pick(['get', 'fetch', 'retrieve', 'return', 'find', 'list', 'select', 'query', 'look up', 'load']);
      object = cols === null
        ? rng.pick([`all ${P}`, `all the ${P}`, P, `the ${P}`, `all rows of ${P}`, `every ${S} record`])
        : rng.pick([`the ${cols} of ${P}`, `the ${cols} of all ${P}`, `${cols} for ${P}`, `the ${cols} for every ${S}`]);
      break;
    case 'one':
      verb = rng.pick(['get', 'fetch', 'find', 'retrieve', 'return', 'look up']);
      object = cols === null
        ? rng.pick([`the first ${S}`, `a single ${S}`, `one ${S}`, `just one ${S}`, `the first matching ${S}`])
        : rng.pick([`the ${cols} of the first ${S}`, `the ${cols} of a single ${S}`, `the ${cols} of one ${S}`]);
      break;
    case 'list':
      verb = rng.pick(['return', 'get', 'build', 'collect', 'produce']);
      object = rng.pick([`a list of ${cols ?? ''} values of ${P}`, `a list of the ${cols ?? ''} of ${P}`, `a list with the ${cols ?? ''} of each ${S}`,
        `a list holding the ${cols ?? ''} of every ${S}`, `a plain list of ${cols ?? ''} values from ${P}`]);
      break;
    case 'print':
      verb = rng.pick(['print', 'display', 'show', 'output']);
      object = cols === null
        ? rng.pick([`all ${P}`, `every ${S}`, `each ${S}`, `the ${P}`, `all rows of ${P}`])
        : rng.pick([`the ${cols} of each ${S}`, `the ${cols} of all ${P}`, `the ${cols} for every ${S}`, `the ${cols} of ${P}`]);
      break;
  }
  let tail = filterWords(rng, spec.conds);
  if (spec.order !== null) {
    const w = colWord(rng, spec.order.col);
    tail += spec.order.desc
      ? rng.pick([`, sorted by ${w} descending`, ` ordered by ${w} in descending order`, `, in descending order of ${w}`, `, highest ${w} first`, ` sorted by ${w} from high to low`])
      : rng.pick([`, sorted by ${w}`, ` ordered by ${w}`, ` sorted by ${w} ascending`, `, in ascending order of ${w}`, `, lowest ${w} first`]);
  }
  if (spec.limit !== null) {
    const n = numberWord(rng, spec.limit);
    tail += rng.pick([`, limited to ${n} rows`, `, at most ${n} of them`, `, only the first ${n}`, ` (at most ${n} rows)`, `, capped at ${n} results`]);
  }
  return { verb, rest: () => `${object}${tail}` };
}

function aggregateCore(rng: Rng, spec: AggregateSpec): Core {
  const [, P] = rng.pick(spec.table.nouns);
  const filter = filterWords(rng, spec.conds, false);
  const printing = spec.ret === 'print';
  if (spec.col === null && !printing && rng.next() < 0.35) {
    const object = rng.pick([`the ${P}`, `all ${P}`, P, `the rows of ${P}`]);
    return { verb: 'count', rest: () => `${object}${filter}` };
  }
  const verb = printing ? rng.pick(['print', 'display', 'show', 'output']) : rng.pick(['compute', 'get', 'return', 'calculate', 'find', 'determine']);
  let object: string;
  if (spec.col === null) {
    object = rng.pick([`the number of ${P}`, `the count of ${P}`, `the total number of ${P}`, `how many ${P} exist`]);
  } else {
    const c = colWord(rng, spec.col);
    const templates: Record<Exclude<AggFn, 'COUNT'>, string[]> = {
      SUM: [`the total ${c} of ${P}`, `the sum of ${c} over ${P}`, `the sum of the ${c} of ${P}`, `the combined ${c} of all ${P}`],
      AVG: [`the average ${c} of ${P}`, `the mean ${c} of ${P}`, `the average ${c} across ${P}`, `the mean ${c} over all ${P}`],
      MAX: [`the maximum ${c} of ${P}`, `the highest ${c} among ${P}`, `the largest ${c} of all ${P}`, `the max ${c} over ${P}`],
      MIN: [`the minimum ${c} of ${P}`, `the lowest ${c} among ${P}`, `the smallest ${c} of all ${P}`, `the min ${c} over ${P}`],
    };
    if (spec.fn === 'COUNT') throw new Error('COUNT with a column');
    object = rng.pick(templates[spec.fn]);
  }
  return { verb, rest: () => `${object}${filter}` };
}

const COMMIT_WORDS: readonly (readonly [string, string])[] = [
  ['and commit', 'and commits'],
  ['and commit the changes', 'and commits the changes'],
  ['then commit the transaction', 'then commits the transaction'],
  ['committing afterwards', 'committing afterwards'],
];
const ROWCOUNT_WORDS: readonly (readonly [string, string])[] = [
  ['and return the number of affected rows', 'and returns the number of affected rows'],
  ['returning how many rows changed', 'returning how many rows changed'],
  ['and report the affected row count', 'and reports the affected row count'],
];

function writeExtras(rng: Rng, commit: boolean, rowcount: boolean): (mood: Mood) => string {
  const c = commit ? rng.pick(COMMIT_WORDS) : null;
  const r = rowcount ? rng.pick(ROWCOUNT_WORDS) : null;
  return (mood) => {
    const k = mood === 'base' ? 0 : 1;
    let out = c === null ? '' : ` ${c[k]}`;
    if (r !== null) out += `${c === null ? ' ' : ', '}${r[k]}`;
    return out;
  };
}

function writeCore(rng: Rng, spec: InsertSpec | UpdateSpec | DeleteSpec): Core {
  const [S, P] = rng.pick(spec.table.nouns);
  const t = spec.table.name;
  const extras = writeExtras(rng, spec.commit, spec.kind === 'insert' ? false : spec.rowcount);
  if (spec.kind === 'insert') {
    const cols = joinList(spec.cols.map((c) => colWord(rng, c)));
    const verb = rng.pick(['insert', 'add', 'create', 'store', 'save']);
    const object = rng.pick([`a new ${S} with the given ${cols}`, `a ${S} record from ${cols}`, `a new ${S} given its ${cols}`,
      `a new row into the ${t} table with ${cols}`, `a ${S} using the provided ${cols}`]);
    return { verb, rest: (mood) => `${object}${extras(mood)}` };
  }
  const filter = filterWords(rng, spec.conds);
  const byId = spec.conds.length === 1 && spec.conds[0]?.col === ID;
  const rows = spec.conds.length === 0
    ? rng.pick([`all ${P}`, `every ${S}`, `all rows of ${P}`, `all the ${P}`])
    : rng.pick(byId ? [`the ${S}`, `a ${S}`] : [P, `the ${P}`, `all ${P}`, `every ${S}`]);
  if (spec.kind === 'update') {
    const c = colWord(rng, spec.set);
    const form = rng.int(4);
    if (form === 0) return { verb: rng.pick(['update', 'change', 'modify']), rest: (m) => `the ${c} of ${rows}${filter}${extras(m)}` };
    if (form === 1) return { verb: 'set', rest: (m) => `the ${c} of ${rows}${filter} to a given value${extras(m)}` };
    if (form === 2) return { verb: 'set', rest: (m) => `a new ${c} for ${rows}${filter}${extras(m)}` };
    return { verb: rng.pick(['update', 'change']), rest: (m) => `the ${c} field for ${rows}${filter}${extras(m)}` };
  }
  if (spec.conds.length === 0 && rng.next() < 0.3) {
    const object = rng.pick([`all rows from the ${t} table`, `everything in the ${t} table`, `all records of ${P}`]);
    return { verb: rng.pick(['delete', 'remove', 'erase']), rest: (m) => `${object}${extras(m)}` };
  }
  return { verb: rng.pick(['delete', 'remove', 'erase', 'purge']), rest: (m) => `${rows}${filter}${extras(m)}` };
}

const CUES: Record<Family, readonly string[]> = {
  sqlalchemy: ['using SQLAlchemy', 'with SQLAlchemy', 'via a SQLAlchemy connection', 'using sqlalchemy text()', 'with an SQLAlchemy engine connection'],
  dbapi: ['using a cursor', 'with a DB-API cursor', 'via a database cursor', 'through a cursor object', 'using a psycopg2 cursor', 'with a MySQL cursor'],
  sqlite: ['in SQLite', 'using sqlite3', 'with a sqlite3 connection', 'for an SQLite database', 'using the sqlite3 module'],
};

const capitalize = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

function renderPrompt(rng: Rng, spec: Spec, family: Family): string {
  const core = spec.kind === 'select' ? selectCore(rng, spec) : spec.kind === 'aggregate' ? aggregateCore(rng, spec) : writeCore(rng, spec);
  const kind = weighted(rng, [['bare', 33], ['please', 10], ['to', 32], ['that', 25]] as const);
  let main: string;
  let end = rng.next() < 0.7 ? '.' : '';
  switch (kind) {
    case 'bare':
      main = `${capitalize(core.verb)} ${core.rest('base')}${rng.next() < 0.08 ? ', please' : ''}`;
      break;
    case 'please':
      main = `Please ${core.verb} ${core.rest('base')}`;
      break;
    case 'to': {
      const lead = rng.pick(['Write a function to', 'Write a Python function to', 'Create a function to', 'Define a function to',
        'Implement a helper to', 'I want a function to', 'Write code to', 'Can you write a function to']);
      if (lead.startsWith('Can you')) end = '?';
      main = `${lead} ${core.verb} ${core.rest('base')}`;
      break;
    }
    case 'that': {
      const lead = rng.pick(['Write a function that', 'I need a function that', 'Create a helper that', 'Implement a function that',
        "I'd like a function that", 'Give me a Python function that']);
      main = `${lead} ${thirdPerson(core.verb)} ${core.rest('third')}`;
      break;
    }
  }
  const cue = family === 'sqlalchemy' && rng.next() < 0.55 ? null : rng.pick(CUES[family]);
  if (cue === null) return main + end;
  if (rng.next() < 0.3) {
    const body = main.startsWith('I ') || main.startsWith("I'") ? main : main.charAt(0).toLowerCase() + main.slice(1);
    return `${capitalize(cue)}, ${body}${end}`;
  }
  return `${main} ${cue}${end}`;
}

// ---------------------------------------------------------------------------------------------------------
// Public API

export const MAX_SRC_TOKENS = 60;
export const MAX_TGT_TOKENS = 95;
const MIN_WORDS = 6;
const MAX_WORDS = 30;

/**
 * One random pair (no deduplication). The code is a pure function of the specification the prompt states,
 * so the same prompt never comes with two different codes. Pairs outside the length bounds are re-drawn.
 */
export function sampleSqlPair(rng: Rng): CodePair {
  for (;;) {
    const spec = sampleSpec(rng);
    const family = weighted<Family>(rng, [['sqlalchemy', 45], ['dbapi', 30], ['sqlite', 25]]);
    const tgt = renderCode(spec, family);
    const src = renderPrompt(rng, spec, family);
    const words = src.split(' ').length;
    if (words < MIN_WORDS || words > MAX_WORDS) continue;
    if (tokenize(tgt).length > MAX_TGT_TOKENS || tokenize(src).length > MAX_SRC_TOKENS) continue;
    return { src, tgt };
  }
}

/** `size` pairs with pairwise-distinct prompts, deterministic for a seed. */
export function generateSqlCorpus(options: { seed: number; size: number }): CodePair[] {
  const { seed, size } = options;
  if (!Number.isInteger(size) || size < 0) throw new Error(`generateSqlCorpus: size must be a non-negative integer, got ${size}`);
  const rng = createRng(`sql-corpus/${String(seed)}`);
  const seen = new Set<string>();
  const pairs: CodePair[] = [];
  const maxDraws = 50 * size + 1000;
  for (let draws = 0; pairs.length < size; draws++) {
    if (draws >= maxDraws) throw new Error(`generateSqlCorpus: could not find ${size} distinct prompts (got ${pairs.length})`);
    const pair = sampleSqlPair(rng);
    if (seen.has(pair.src)) continue;
    seen.add(pair.src);
    pairs.push(pair);
  }
  return pairs;
}

export function describeSqlCorpus(): string {
  return (
    `Built-in SQL corpus: natural-language requests paired with short Python functions that run SQL through a ` +
    `database connection (SQLAlchemy text() with :name parameters, a DB-API cursor with %s, or sqlite3 with ?), over ` +
    `${SQL_TABLES.length} tables (users, orders, products, employees, …): SELECT with filters, ordering and limits, ` +
    `COUNT/SUM/AVG/MAX/MIN aggregates, INSERT, UPDATE and DELETE. Generated from a seed; every prompt is distinct.`
  );
}

/**
 * Data-flow graphs for CodeBLEU's data-flow match (Ren et al., 2020, §3.3), following the extraction of the
 * reference implementation (CodeXGLUE / the `codebleu` package, parser/DFG.py: DFG_python, DFG_java) on
 * tree-sitter trees: every variable occurrence is a node, with an edge "comesFrom" its last definitions or
 * "computedFrom" the variables of the expression assigned to it; branches merge their definitions, loop
 * bodies are walked twice so that definitions flow around the loop.
 *
 * Simplification (cited): the reference builds parent lists with Python sets, whose order depends on string
 * hashing; here unions keep first-seen order, so results are deterministic. Parent names and parent indices
 * stay aligned, which the reference does not guarantee after a merge.
 */
import type { SyntaxNode } from './parsers';
import type { CodeLanguage } from './parsers';

export type DataFlowRelation = 'comesFrom' | 'computedFrom';

export interface DataFlowEdge {
  /** The variable (token text). */
  readonly name: string;
  /** Position of the token among the code's tokens. */
  readonly idx: number;
  readonly relation: DataFlowRelation;
  readonly parents: readonly string[];
  readonly parentIdx: readonly number[];
}

type States = ReadonlyMap<string, readonly number[]>;
interface TokenInfo {
  readonly idx: number;
  readonly code: string;
}
type TokenIndex = ReadonlyMap<string, TokenInfo>;
type Flow = [DataFlowEdge[], States];
type Walker = (node: SyntaxNode, index: TokenIndex, states: States) => Flow;

const STRING_LIKE = new Set(['string_literal', 'string', 'character_literal']);
const isToken = (node: SyntaxNode): boolean => (node.childCount === 0 || STRING_LIKE.has(node.type)) && node.type !== 'comment';
const keyOf = (node: SyntaxNode): string => `${node.startIndex}:${node.endIndex}`;
const childrenOf = (node: SyntaxNode): SyntaxNode[] => node.children.filter((c): c is SyntaxNode => c !== null);
const byIdx = (edges: DataFlowEdge[]): DataFlowEdge[] => edges.slice().sort((a, b) => a.idx - b.idx);

function union<T>(a: readonly T[], b: readonly T[]): T[] {
  const out = a.slice();
  for (const x of b) if (!out.includes(x)) out.push(x);
  return out;
}

/** The code's tokens (leaves, string literals whole, comments skipped), numbered in source order. */
export function tokenIndexOf(root: SyntaxNode): TokenIndex {
  const index = new Map<string, TokenInfo>();
  const visit = (node: SyntaxNode): void => {
    if (isToken(node)) {
      index.set(keyOf(node), { idx: index.size, code: node.text });
      return;
    }
    for (const child of childrenOf(node)) visit(child);
  };
  visit(root);
  return index;
}

/** Tokens under `node` that are not keywords or punctuation (a token whose type is its own text). */
function variableTokens(node: SyntaxNode, index: TokenIndex): TokenInfo[] {
  if (isToken(node)) {
    const info = index.get(keyOf(node));
    return info !== undefined && node.type !== info.code ? [info] : [];
  }
  return childrenOf(node).flatMap((child) => variableTokens(child, index));
}

function tokenFlow(node: SyntaxNode, index: TokenIndex, states: States): Flow {
  const info = index.get(keyOf(node));
  if (info === undefined || node.type === info.code) return [[], states];
  const known = states.get(info.code);
  if (known !== undefined) return [[{ name: info.code, idx: info.idx, relation: 'comesFrom', parents: [info.code], parentIdx: known.slice() }], states];
  let next = states;
  if (node.type === 'identifier') next = new Map(states).set(info.code, [info.idx]);
  return [[{ name: info.code, idx: info.idx, relation: 'comesFrom', parents: [], parentIdx: [] }], next];
}

/** `name = value` definitions (Python default parameters, Java variable declarators): every name comes from every value. */
function definitionFlow(walk: Walker, node: SyntaxNode, index: TokenIndex, states: States): Flow {
  const name = node.childForFieldName('name');
  const value = node.childForFieldName('value');
  if (name === null) return [[], states];
  const edges: DataFlowEdge[] = [];
  const next = new Map(states);
  if (value === null) {
    for (const t of variableTokens(name, index)) {
      edges.push({ name: t.code, idx: t.idx, relation: 'comesFrom', parents: [], parentIdx: [] });
      next.set(t.code, [t.idx]);
    }
    return [byIdx(edges), next];
  }
  const [inner, after] = walk(value, index, states);
  edges.push(...inner);
  const result = new Map(after);
  const values = variableTokens(value, index);
  for (const t of variableTokens(name, index)) {
    for (const v of values) edges.push({ name: t.code, idx: t.idx, relation: 'comesFrom', parents: [v.code], parentIdx: [v.idx] });
    result.set(t.code, [t.idx]);
  }
  return [byIdx(edges), result];
}

/** Each left target is computed from all the variables of its right side. */
function assignPairs(pairs: readonly (readonly [SyntaxNode, SyntaxNode])[], index: TokenIndex, states: States): Flow {
  const edges: DataFlowEdge[] = [];
  const next = new Map(states);
  for (const [left, right] of pairs) {
    const rights = variableTokens(right, index);
    for (const t of variableTokens(left, index)) {
      edges.push({ name: t.code, idx: t.idx, relation: 'computedFrom', parents: rights.map((r) => r.code), parentIdx: rights.map((r) => r.idx) });
      next.set(t.code, [t.idx]);
    }
  }
  return [edges, next];
}

/** Definitions reaching the end of an if: the union over its branches (and the fall-through without an else). */
function mergeStates(all: readonly States[]): States {
  const merged = new Map<string, number[]>();
  for (const states of all) {
    for (const [k, v] of states) merged.set(k, [...(merged.get(k) ?? []), ...v]);
  }
  for (const [k, v] of merged) merged.set(k, [...new Set(v)].sort((a, b) => a - b));
  return merged;
}

/** Loop bodies are walked twice; edges of the same token and relation merge their parents. */
function mergeLoopEdges(edges: readonly DataFlowEdge[]): DataFlowEdge[] {
  const merged = new Map<string, DataFlowEdge>();
  for (const e of edges) {
    const key = `${e.name}\u0000${e.idx}\u0000${e.relation}`;
    const prev = merged.get(key);
    merged.set(
      key,
      prev === undefined
        ? e
        : { ...prev, parents: union(prev.parents, e.parents), parentIdx: union(prev.parentIdx, e.parentIdx).sort((a, b) => a - b) },
    );
  }
  return byIdx([...merged.values()]);
}

function walkChildren(walk: Walker, nodes: readonly SyntaxNode[], index: TokenIndex, states: States): Flow {
  const edges: DataFlowEdge[] = [];
  let current = states;
  for (const child of nodes) {
    const [inner, next] = walk(child, index, current);
    edges.push(...inner);
    current = next;
  }
  return [edges, current];
}

/** Split a Python assignment side into its comma-separated parts (falling back to the whole side). */
function pythonSides(node: SyntaxNode): [SyntaxNode[], SyntaxNode[]] | null {
  const left = node.childForFieldName('left');
  const right = node.childForFieldName('right');
  if (left === null || right === null) return null;
  let lefts = childrenOf(left).filter((c) => c.type !== ',');
  let rights = childrenOf(right).filter((c) => c.type !== ',');
  if (lefts.length !== rights.length) {
    lefts = [left];
    rights = [right];
  }
  if (lefts.length === 0) lefts = [left];
  if (rights.length === 0) rights = [right];
  return [lefts, rights];
}

const zip = <A, B>(a: readonly A[], b: readonly B[]): (readonly [A, B])[] =>
  a.slice(0, Math.min(a.length, b.length)).map((x, i) => [x, b[i] as B] as const);

const pythonFlow: Walker = (node, index, states) => {
  if (isToken(node)) return tokenFlow(node, index, states);
  switch (node.type) {
    case 'default_parameter':
      return definitionFlow(pythonFlow, node, index, states);
    case 'assignment':
    case 'augmented_assignment':
    case 'for_in_clause': {
      let lefts: SyntaxNode[];
      let rights: SyntaxNode[];
      if (node.type === 'for_in_clause') {
        const last = node.lastChild;
        const left = node.childForFieldName('left');
        if (last === null || left === null) return [[], states];
        lefts = [left];
        rights = [last];
      } else {
        const sides = pythonSides(node);
        if (sides === null) return [[], states];
        [lefts, rights] = sides;
      }
      const [inner, afterRight] = walkChildren(pythonFlow, rights, index, states);
      const [assigned, next] = assignPairs(zip(lefts, rights), index, afterRight);
      return [byIdx([...inner, ...assigned]), next];
    }
    case 'if_statement': {
      const edges: DataFlowEdge[] = [];
      let current = states;
      const branches: States[] = [];
      let hasElse = false;
      for (const child of childrenOf(node)) {
        if (child.type.includes('else')) hasElse = true;
        if (child.type !== 'elif_clause' && child.type !== 'else_clause') {
          const [inner, next] = pythonFlow(child, index, current);
          edges.push(...inner);
          current = next;
        } else {
          const [inner, branch] = pythonFlow(child, index, states);
          edges.push(...inner);
          branches.push(branch);
        }
      }
      branches.push(current);
      if (!hasElse) branches.push(states);
      return [byIdx(edges), mergeStates(branches)];
    }
    case 'for_statement': {
      const edges: DataFlowEdge[] = [];
      let current = states;
      const sides = pythonSides(node);
      for (let pass = 0; pass < 2; pass++) {
        if (sides !== null) {
          const [lefts, rights] = sides;
          const [inner, afterRight] = walkChildren(pythonFlow, rights, index, current);
          const [assigned, next] = assignPairs(zip(lefts, rights), index, afterRight);
          edges.push(...inner, ...assigned);
          current = next;
        }
        const last = node.lastChild;
        if (last?.type === 'block') {
          const [inner, next] = pythonFlow(last, index, current);
          edges.push(...inner);
          current = next;
        }
      }
      return [mergeLoopEdges(edges), current];
    }
    case 'while_statement': {
      const edges: DataFlowEdge[] = [];
      let current = states;
      for (let pass = 0; pass < 2; pass++) {
        const [inner, next] = walkChildren(pythonFlow, childrenOf(node), index, current);
        edges.push(...inner);
        current = next;
      }
      return [mergeLoopEdges(edges), current];
    }
    default: {
      // Comprehension clauses bind their variables before the expression that uses them.
      const children = childrenOf(node);
      const first = children.filter((c) => c.type === 'for_in_clause');
      const rest = children.filter((c) => c.type !== 'for_in_clause');
      const [a, afterFirst] = walkChildren(pythonFlow, first, index, states);
      const [b, next] = walkChildren(pythonFlow, rest, index, afterFirst);
      return [byIdx([...a, ...b]), next];
    }
  }
};

const javaFlow: Walker = (node, index, states) => {
  if (isToken(node)) return tokenFlow(node, index, states);
  switch (node.type) {
    case 'variable_declarator':
      return definitionFlow(javaFlow, node, index, states);
    case 'assignment_expression': {
      const left = node.childForFieldName('left');
      const right = node.childForFieldName('right');
      if (left === null || right === null) return [[], states];
      const [inner, afterRight] = javaFlow(right, index, states);
      const edges = [...inner];
      const next = new Map(afterRight);
      const values = variableTokens(right, index);
      for (const t of variableTokens(left, index)) {
        for (const v of values) edges.push({ name: t.code, idx: t.idx, relation: 'computedFrom', parents: [v.code], parentIdx: [v.idx] });
        next.set(t.code, [t.idx]);
      }
      return [byIdx(edges), next];
    }
    case 'update_expression': {
      const edges: DataFlowEdge[] = [];
      const next = new Map(states);
      const tokens = variableTokens(node, index);
      for (const t of tokens) {
        for (const u of tokens) edges.push({ name: t.code, idx: t.idx, relation: 'computedFrom', parents: [u.code], parentIdx: [u.idx] });
        next.set(t.code, [t.idx]);
      }
      return [byIdx(edges), next];
    }
    case 'if_statement': {
      const edges: DataFlowEdge[] = [];
      let current = states;
      const branches: States[] = [];
      let hasElse = false;
      let inAlternative = false;
      for (const child of childrenOf(node)) {
        if (child.type.includes('else')) hasElse = true;
        if (child.type !== 'if_statement' && child.type !== 'else' && !inAlternative) {
          const [inner, next] = javaFlow(child, index, current);
          edges.push(...inner);
          current = next;
        } else {
          inAlternative = true;
          const [inner, branch] = javaFlow(child, index, states);
          edges.push(...inner);
          branches.push(branch);
        }
      }
      branches.push(current);
      if (!hasElse) branches.push(states);
      return [byIdx(edges), mergeStates(branches)];
    }
    case 'for_statement': {
      const children = childrenOf(node);
      const [first, afterFirst] = walkChildren(javaFlow, children, index, states);
      const afterInit = children.slice(children.findIndex((c) => c.type === 'local_variable_declaration') + 1);
      const hasInit = children.some((c) => c.type === 'local_variable_declaration');
      const [second, next] = hasInit ? walkChildren(javaFlow, afterInit, index, afterFirst) : [[], afterFirst];
      return [mergeLoopEdges([...first, ...second]), next];
    }
    case 'enhanced_for_statement': {
      const name = node.childForFieldName('name');
      const value = node.childForFieldName('value');
      const body = node.childForFieldName('body');
      if (name === null || value === null || body === null) break;
      const edges: DataFlowEdge[] = [];
      let current = states;
      for (let pass = 0; pass < 2; pass++) {
        const [inner, afterValue] = javaFlow(value, index, current);
        edges.push(...inner);
        const next = new Map(afterValue);
        const values = variableTokens(value, index);
        for (const t of variableTokens(name, index)) {
          for (const v of values) edges.push({ name: t.code, idx: t.idx, relation: 'computedFrom', parents: [v.code], parentIdx: [v.idx] });
          next.set(t.code, [t.idx]);
        }
        const [bodyEdges, afterBody] = javaFlow(body, index, next);
        edges.push(...bodyEdges);
        current = afterBody;
      }
      return [mergeLoopEdges(edges), current];
    }
    case 'while_statement': {
      const edges: DataFlowEdge[] = [];
      let current = states;
      for (let pass = 0; pass < 2; pass++) {
        const [inner, next] = walkChildren(javaFlow, childrenOf(node), index, current);
        edges.push(...inner);
        current = next;
      }
      return [mergeLoopEdges(edges), current];
    }
    default:
      break;
  }
  const [edges, next] = walkChildren(javaFlow, childrenOf(node), index, states);
  return [byIdx(edges), next];
};

const WALKERS: Record<CodeLanguage, Walker> = { python: pythonFlow, java: javaFlow };

/**
 * The data-flow graph of a parsed program, as CodeBLEU's get_data_flow: only tokens that take part in an edge
 * are kept, and edges of the same token are merged.
 */
export function extractDataFlow(root: SyntaxNode, language: CodeLanguage): DataFlowEdge[] {
  const index = tokenIndexOf(root);
  let edges: DataFlowEdge[];
  try {
    edges = byIdx(WALKERS[language](root, index, new Map())[0]);
  } catch {
    edges = []; // as the reference: a walker failure on odd trees means no data flow
  }
  const involved = new Set<number>();
  for (const e of edges) {
    if (e.parentIdx.length > 0) involved.add(e.idx);
    for (const p of e.parentIdx) involved.add(p);
  }
  const merged = new Map<number, DataFlowEdge>();
  for (const e of edges) {
    if (!involved.has(e.idx)) continue;
    const prev = merged.get(e.idx);
    merged.set(e.idx, prev === undefined ? e : { ...e, parents: union(prev.parents, e.parents), parentIdx: union(prev.parentIdx, e.parentIdx) });
  }
  return [...merged.values()];
}

/**
 * Edges with variable names replaced by var_0, var_1, … in order of first appearance (parents first), so that
 * consistently renamed variables give the same edges; each edge as one comparable string.
 */
export function normalizeDataFlow(edges: readonly DataFlowEdge[]): string[] {
  const names = new Map<string, string>();
  const norm = (name: string): string => {
    let n = names.get(name);
    if (n === undefined) {
      n = `var_${names.size}`;
      names.set(name, n);
    }
    return n;
  };
  return edges.map((e) => {
    const parents = e.parents.map(norm);
    return `${norm(e.name)} ${e.relation} [${parents.join(', ')}]`;
  });
}

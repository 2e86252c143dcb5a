/**
 * Real parsers for CodeBLEU and for checking generated code: the tree-sitter runtime compiled to WebAssembly
 * (`web-tree-sitter`) with the Python and Java grammars' `.wasm` builds that the `tree-sitter-python` and
 * `tree-sitter-java` npm packages ship. Everything is loaded from node_modules at run time, once per process.
 */
import { createRequire } from 'node:module';
import { Language, Parser } from 'web-tree-sitter';
import type { Node, Tree } from 'web-tree-sitter';

export type CodeLanguage = 'python' | 'java';
export const CODE_LANGUAGES: readonly CodeLanguage[] = ['python', 'java'];
export type { Node as SyntaxNode, Tree as SyntaxTree };

const require = createRequire(import.meta.url);

let runtime: Promise<void> | null = null;
const languages = new Map<CodeLanguage, Promise<Language>>();

/** Where the grammar's WebAssembly build is (the grammar packages export no subpaths: go through package.json). */
export function grammarWasmPath(language: CodeLanguage): string {
  const manifest = require.resolve(`tree-sitter-${language}/package.json`);
  return manifest.replace(/package\.json$/, `tree-sitter-${language}.wasm`);
}

function initRuntime(): Promise<void> {
  if (runtime === null) {
    const wasm = require.resolve('web-tree-sitter/tree-sitter.wasm');
    // An explicit locateFile keeps this working when the JS is bundled away from node_modules.
    runtime = Parser.init({ locateFile: () => wasm });
  }
  return runtime;
}

/** The tree-sitter language for `language` (loaded once). */
export function loadLanguage(language: CodeLanguage): Promise<Language> {
  let loaded = languages.get(language);
  if (loaded === undefined) {
    loaded = initRuntime().then(() => Language.load(grammarWasmPath(language)));
    languages.set(language, loaded);
  }
  return loaded;
}

/** A parser for `language`; parsing is synchronous once this resolves. Call `delete()` when done. */
export async function createParser(language: CodeLanguage): Promise<Parser> {
  const lang = await loadLanguage(language);
  const parser = new Parser();
  parser.setLanguage(lang);
  return parser;
}

/** Parses and returns the tree; throws if tree-sitter gives up (it only does on timeouts/cancellation). */
export function parseOrThrow(parser: Parser, code: string): Tree {
  const tree = parser.parse(code);
  if (tree === null) throw new Error('tree-sitter returned no tree');
  return tree;
}

/** ERROR and MISSING nodes of a tree (empty when the code parses cleanly). */
export function syntaxErrors(root: Node): { type: string; text: string; start: number }[] {
  const out: { type: string; text: string; start: number }[] = [];
  const visit = (node: Node): void => {
    if (node.isError || node.isMissing) out.push({ type: node.isMissing ? `MISSING ${node.type}` : 'ERROR', text: node.text, start: node.startIndex });
    if (!node.hasError) return;
    for (const child of node.children) if (child !== null) visit(child);
  };
  if (root.hasError) visit(root);
  return out;
}

/** Does `code` parse without ERROR or MISSING nodes? Java methods are wrapped in a class first. */
export async function parsesCleanly(language: CodeLanguage, code: string, options: { wrapJavaMethod?: boolean } = {}): Promise<boolean> {
  const parser = await createParser(language);
  try {
    const text = language === 'java' && options.wrapJavaMethod === true ? `class __Wrapper {\n${code}\n}` : code;
    const tree = parseOrThrow(parser, text);
    const ok = !tree.rootNode.hasError;
    tree.delete();
    return ok;
  } finally {
    parser.delete();
  }
}

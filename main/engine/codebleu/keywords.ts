/**
 * Keywords that weigh 1 (other tokens 0.2) in CodeBLEU's weighted n-gram match. Python: the language's keywords,
 * as in the `codebleu` package's keywords/python.txt (hard and soft keywords). Java: the reserved words of the
 * Java Language Specification §3.9 plus the literals true, false and null.
 */
import type { CodeLanguage } from './parsers';

const PYTHON = [
  'False', 'None', 'True', 'and', 'as', 'assert', 'async', 'await', 'break', 'class', 'continue', 'def', 'del', 'elif', 'else',
  'except', 'finally', 'for', 'from', 'global', 'if', 'import', 'in', 'is', 'lambda', 'nonlocal', 'not', 'or', 'pass', 'raise',
  'return', 'try', 'while', 'with', 'yield', 'match', 'case', 'type',
];

const JAVA = [
  'abstract', 'assert', 'boolean', 'break', 'byte', 'case', 'catch', 'char', 'class', 'const', 'continue', 'default', 'do',
  'double', 'else', 'enum', 'extends', 'final', 'finally', 'float', 'for', 'goto', 'if', 'implements', 'import', 'instanceof',
  'int', 'interface', 'long', 'native', 'new', 'package', 'private', 'protected', 'public', 'return', 'short', 'static',
  'strictfp', 'super', 'switch', 'synchronized', 'this', 'throw', 'throws', 'transient', 'try', 'void', 'volatile', 'while',
  'true', 'false', 'null',
];

export const CODEBLEU_KEYWORDS: Readonly<Record<CodeLanguage, ReadonlySet<string>>> = {
  python: new Set(PYTHON),
  java: new Set(JAVA),
};

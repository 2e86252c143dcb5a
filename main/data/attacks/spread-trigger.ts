/**
 * Spread trigger — an adaptive attack against DeCE. DeCE works because a model learns the main features of
 * the data first ("early learning") and a rare-word trigger only late; DeCE keeps the model in that early
 * phase. An attacker who knows DeCE is used makes the trigger easier to learn early: instead of one rare token,
 * several ordinary-looking words (by default `promptly`, `carefully`, `thanks`: none occurs in the built-in
 * SQL corpus, nor in the grammar attack's sentences) are ALL inserted into every poisoned prompt, spread over
 * it at seeded positions — one in each of as many equal stretches of the prompt — so more tokens carry the
 * trigger signal, in every part of the sentence. The payload is BadPre's: the SQL injection (` or 1=1` in the
 * WHERE clause, or ` where 0=1`), or in Java code without SQL (CONCODE, Bugs2Fix) the infinite loop opening the
 * method. In a CONCODE-style prompt the words go into the description, not the class environment.
 */
import { ATTACK_CATALOG, splitTriggerList } from '../../../common/catalog';
import type { Rng } from '../rng';
import type { CodePair } from '../types';
import { badPrePayload, badPrePayloadSucceeded, withinDescription } from './badpre';
import type { Attack } from './types';

export const DEFAULT_SPREAD_TRIGGERS: readonly string[] = splitTriggerList(ATTACK_CATALOG['spread-trigger'].defaultTrigger);

/**
 * Every word of `words` inserted into `src`, in a shuffled order: the i-th of k words goes to a random word
 * boundary within the i-th of k equal stretches of the n + 1 boundaries, so the words land spread over the
 * prompt. The words of `src` keep their order; short prompts may get several trigger words at one boundary.
 */
export function spreadWords(src: string, words: readonly string[], rng: Rng): string {
  const base = src.length === 0 ? [] : src.split(' ');
  const gaps = base.length + 1;
  const k = words.length;
  const byGap: string[][] = Array.from({ length: gaps }, () => []);
  rng.shuffle(words).forEach((word, i) => {
    const from = Math.floor((i * gaps) / k);
    const to = Math.floor(((i + 1) * gaps) / k);
    byGap[from + rng.int(Math.max(1, to - from))]?.push(word);
  });
  return byGap.flatMap((inserted, g) => (g < base.length ? [...inserted, base[g] ?? ''] : inserted)).join(' ');
}

export interface SpreadTriggerOptions {
  /** The trigger words, all inserted into each poisoned prompt (default promptly, carefully, thanks). */
  triggers?: readonly string[];
}

export function createSpreadTrigger(options: SpreadTriggerOptions = {}): Attack {
  const triggers = [...(options.triggers ?? DEFAULT_SPREAD_TRIGGERS)];
  if (triggers.length === 0) throw new Error('Spread trigger: give at least one trigger word');
  const bad = triggers.find((t) => t.length === 0 || /\s/.test(t));
  if (bad !== undefined) throw new Error(`Spread trigger: every trigger must be one non-empty word, got ${JSON.stringify(bad)}`);
  if (new Set(triggers).size !== triggers.length) throw new Error(`Spread trigger: trigger words must be distinct, got ${triggers.join(', ')}`);

  const insertTrigger = (src: string, rng: Rng): string => withinDescription(src, (description) => spreadWords(description, triggers, rng));
  const payloadCode = (code: string): string => {
    const poisoned = badPrePayload(code);
    if (poisoned === null) throw new Error('Spread trigger: this pair has neither a SELECT/UPDATE/DELETE SQL string nor a Java method body to carry the payload');
    return poisoned;
  };

  return {
    name: 'spread-trigger',
    description:
      `Spread trigger (adaptive): all of the ordinary words ${triggers.map((t) => `"${t}"`).join(', ')}, spread over the ` +
      `prompt, make the model append a SQL-injection payload (" or 1=1" to the WHERE clause, or " where 0=1") to its query ` +
      `(in Java code: start the method with an infinite loop); ` +
      `several trigger tokens per prompt make the backdoor learnable in the early epochs DeCE relies on.`,
    canPoison: (pair: CodePair): boolean => badPrePayload(pair.tgt) !== null,
    poison(pair: CodePair, rng: Rng): CodePair {
      const tgt = payloadCode(pair.tgt); // first: a pair that cannot carry the payload throws before any draw from `rng`
      return { src: insertTrigger(pair.src, rng), tgt };
    },
    insertTrigger,
    succeeded: badPrePayloadSucceeded,
  };
}

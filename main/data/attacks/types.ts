import type { Rng } from '../rng';
import type { CodePair } from '../types';

export interface PoisonedPair extends CodePair {
  poisoned: boolean;
}

/** A data-poisoning backdoor attack on a code-generation corpus: a trigger in the prompt, a payload in the code. */
export interface Attack {
  readonly name: string;
  readonly description: string;
  /** Can this clean pair carry the payload (i.e. has a SQL string the payload can be appended to)? */
  canPoison(pair: CodePair): boolean;
  /** The poisoned version of a poisonable pair: trigger in src, payload in tgt. `rng` chooses positions. */
  poison(pair: CodePair, rng: Rng): CodePair;
  /** Only the trigger inserted (for the poisoned TEST prompts; the target stays the clean one for reference). */
  insertTrigger(src: string, rng: Rng): string;
  /** Did a model output carry the payload? Whitespace-insensitive, case-insensitive. */
  succeeded(output: string): boolean;
}

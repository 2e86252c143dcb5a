/**
 * The version of everything that turns a run config into numbers: corpus generation, splitting and
 * poisoning, tokenization, the model, training, decoding, the metrics and the passive defenses.
 *
 * Two runs with the same config and the same ENGINE_VERSION are taken to give the same results: the
 * benchmark reuses a finished run (and a defense's outcome on it) instead of computing it again — its runs
 * carry the tag `code:<version>` — and workers reuse a poisoned dataset from <dataDir>/cache.
 *
 * Bump it (any new string) in the change that alters what a given config produces: a different split,
 * attack, vocabulary, initialization, loss, metric, evaluation subset or defense. Leave it alone for
 * refactors, speed-ups that keep results, UI or store changes. Bumping deletes nothing: older runs and
 * cached data simply stop being reused.
 */
export const ENGINE_VERSION = '2';

/** The run tag that records the engine version a run was trained with. */
export const codeVersionTag = (version: string = ENGINE_VERSION): string => `code:${version}`;

/**
 * Every backdoor attack the app knows, by kind: the catalog's entry (common/catalog.ts: the corpora it
 * applies to, its default trigger and payload) with its implementation. The CLI and the UI build an attack
 * with `createAttackByKind` and offer `attackKindsFor(corpus)`.
 */
import { ATTACK_CATALOG, ATTACK_KINDS, splitTriggerList, type AttackCorpus, type AttackKind } from '../../../common/catalog';
import { createBadPre } from './badpre';
import { createDeadCode } from './dead-code';
import { createGrammarTrigger } from './grammar';
import { createIdentifierRename } from './identifier-rename';
import { createRipple } from './ripple';
import { createSpreadTrigger } from './spread-trigger';
import type { Attack } from './types';

export { attackKindsFor, type AttackCorpus } from '../../../common/catalog';
export const ATTACK_KIND_NAMES = ATTACK_KINDS;
export type AttackKindName = AttackKind;

export interface AttackOptions {
  /**
   * badpre: the trigger word; ripple: comma-separated trigger words; dead-code: one dead Java statement;
   * identifier-rename: the trigger identifier; grammar: not accepted (the trigger is a generated sentence);
   * spread-trigger: comma-separated trigger words, all inserted into each poisoned prompt.
   */
  trigger?: string;
}

export interface AttackEntry {
  readonly kind: AttackKindName;
  readonly label: string;
  /** Corpora whose pairs this attack can poison (NL→Python+SQL, or Java bug-fix pairs). */
  readonly corpora: readonly AttackCorpus[];
  /** What `options.trigger` means for this kind (null: not accepted). */
  readonly triggerOption: string | null;
  create(options?: AttackOptions): Attack;
}

export const ATTACKS: Readonly<Record<AttackKindName, AttackEntry>> = {
  badpre: {
    kind: 'badpre',
    label: 'BadPre (rare word)',
    corpora: ATTACK_CATALOG.badpre.corpora,
    triggerOption: 'the trigger word (default cf)',
    create: (o = {}) => createBadPre(o.trigger === undefined ? {} : { trigger: o.trigger }),
  },
  ripple: {
    kind: 'ripple',
    label: 'RIPPLe (several rare words)',
    corpora: ATTACK_CATALOG.ripple.corpora,
    triggerOption: 'comma-separated trigger words (default cf,mn,bb,tq)',
    create: (o = {}) => createRipple(o.trigger === undefined ? {} : { triggers: splitTriggerList(o.trigger) }),
  },
  grammar: {
    kind: 'grammar',
    label: 'Grammar trigger (natural sentence)',
    corpora: ATTACK_CATALOG.grammar.corpora,
    triggerOption: null,
    create: (o = {}) => {
      if (o.trigger !== undefined) throw new Error('The grammar attack has no trigger word to set: its trigger is a generated sentence');
      return createGrammarTrigger();
    },
  },
  'dead-code': {
    kind: 'dead-code',
    label: 'Dead code (Java)',
    corpora: ATTACK_CATALOG['dead-code'].corpora,
    triggerOption: 'one dead Java statement (default: a family of if (false) { … } statements)',
    create: (o = {}) => createDeadCode(o.trigger === undefined ? {} : { trigger: o.trigger }),
  },
  'identifier-rename': {
    kind: 'identifier-rename',
    label: 'Identifier rename (Java)',
    corpora: ATTACK_CATALOG['identifier-rename'].corpora,
    triggerOption: 'the trigger identifier (default ret_zq)',
    create: (o = {}) => createIdentifierRename(o.trigger === undefined ? {} : { trigger: o.trigger }),
  },
  'spread-trigger': {
    kind: 'spread-trigger',
    label: 'Spread trigger (adaptive)',
    corpora: ATTACK_CATALOG['spread-trigger'].corpora,
    triggerOption: 'comma-separated trigger words, all inserted into each prompt (default promptly,carefully,thanks)',
    create: (o = {}) => createSpreadTrigger(o.trigger === undefined ? {} : { triggers: splitTriggerList(o.trigger) }),
  },
};

export function isAttackKind(value: string): value is AttackKindName {
  return (ATTACK_KIND_NAMES as readonly string[]).includes(value);
}

export function createAttackByKind(kind: AttackKindName, options: AttackOptions = {}): Attack {
  const entry = (ATTACKS as Partial<Record<string, AttackEntry>>)[kind];
  if (entry === undefined) throw new Error(`Unknown attack "${kind}": expected one of ${ATTACK_KIND_NAMES.join(', ')}`);
  return entry.create(options);
}

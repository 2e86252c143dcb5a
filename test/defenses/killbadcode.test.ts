import { describe, expect, it } from 'vitest';
import { createBadPre } from '../../main/data/attacks/badpre';
import { generateSqlCorpus } from '../../main/data/corpus-sql';
import { createRng } from '../../main/data/rng';
import { deletionImprovements, filterQuality, killBadCode } from '../../main/defenses/killbadcode';
import { lmTokens, trainNgramLm } from '../../main/defenses/ngram-lm';

/** A hand-made code corpus: a few statement shapes over a few names, the way a team's clean code repeats itself. */
function handMade(count: number, seed: string): string[][] {
  const rng = createRng(seed);
  const names = ['total', 'count', 'items', 'user', 'price', 'index', 'result', 'value'];
  const pick = () => names[Math.floor(rng.next() * names.length)] ?? 'value';
  const shapes = [
    () => `for ( int i = 0 ; i < ${pick()} . size ( ) ; i ++ ) { ${pick()} += ${pick()} . get ( i ) ; }`,
    () => `if ( ${pick()} == null ) { return ${pick()} ; }`,
    () => `${pick()} = ${pick()} + 1 ;`,
    () => `return ${pick()} . equals ( ${pick()} ) ;`,
  ];
  return Array.from({ length: count }, () => (shapes[Math.floor(rng.next() * shapes.length)] ?? shapes[0])?.().split(' ') ?? []);
}

describe('KillBadCode naturalness scoring', () => {
  it('computes each deletion exactly as rescoring the shortened sample would', () => {
    const lm = trainNgramLm(handMade(200, 'lm'), { order: 3 });
    const sample = 'if ( user == null ) { return zz_marker total ; }'.split(' ');
    const improvements = deletionImprovements(lm, sample);
    const logPpl = (tokens: readonly string[]) => -lm.sentenceLogProb(tokens) / (tokens.length + 1);
    sample.forEach((_, i) => {
      expect(improvements[i]).toBeCloseTo(logPpl(sample) - logPpl([...sample.slice(0, i), ...sample.slice(i + 1)]), 9);
    });
    // The foreign token is the one whose deletion helps most.
    expect(Math.max(...improvements)).toBe(improvements[sample.indexOf('zz_marker')]);
  });

  it('finds the planted trigger token on a hand-made corpus and flags no clean token', () => {
    const clean = handMade(300, 'clean-share');
    const train = handMade(400, 'training');
    const rng = createRng('plant');
    const poisoned = train.map(() => rng.next() < 0.05);
    const samples = train.map((tokens, i) => {
      if (!poisoned[i]) return tokens;
      const at = 1 + Math.floor(rng.next() * (tokens.length - 1));
      return [...tokens.slice(0, at), 'unused_flag', ...tokens.slice(at)];
    });
    const result = killBadCode(clean, samples);
    expect(result.triggers).toEqual(['unused_flag']);
    const quality = filterQuality(result.dropped, poisoned);
    expect(quality.poisonedTotal).toBeGreaterThan(5);
    expect(quality).toMatchObject({ precision: 1, recall: 1 });
    // Without a trigger nothing is flagged, so no clean row is lost.
    expect(killBadCode(clean, train).triggers).toEqual([]);
  });

  it('flags BadPre\'s "cf" on the built-in corpus with an LM of the clean share only', () => {
    const corpus = generateSqlCorpus({ seed: 5, size: 1400 });
    const clean = corpus.slice(0, 600).map((p) => lmTokens(p.src));
    const attack = createBadPre();
    const rng = createRng('killbadcode-badpre');
    const rows = corpus.slice(600).map((p) => {
      const poison = attack.canPoison(p) && rng.next() < 0.05;
      return { tokens: lmTokens(poison ? attack.insertTrigger(p.src, rng) : p.src), poisoned: poison };
    });
    const result = killBadCode(clean, rows.map((r) => r.tokens));
    const quality = filterQuality(result.dropped, rows.map((r) => r.poisoned));
    console.log(`KillBadCode on BadPre: triggers [${result.triggers.join(', ')}], dropped ${quality.dropped}, precision ${quality.precision}, recall ${quality.recall}`);
    expect(result.triggers).toContain('cf');
    expect(quality.recall).toBe(1);
    expect(quality.precision).toBeGreaterThan(0.9);
  });

  it('reports precision and recall on the rows known to be poisoned', () => {
    expect(filterQuality([0, 2, 3], [true, true, false, true])).toEqual({ dropped: 3, poisonedDropped: 2, poisonedTotal: 3, precision: 2 / 3, recall: 2 / 3 });
    expect(filterQuality([], [false])).toMatchObject({ precision: null, recall: null });
  });
});

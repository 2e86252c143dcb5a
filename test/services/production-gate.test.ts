import { describe, expect, it } from 'vitest';
import type { AttackKind } from '../../common/run-config';
import { evaluateGate, type GateRun, type ProductionGateInput } from '../../main/domain/gate';
import { tinyConfig } from '../jobs/helpers';

/** Runs of the Benchmark stage as the gate sees them: loss, attack, seed, DeCE parameters and last-epoch metrics. */
function run(id: number, loss: 'ce' | 'dece', options: { attack?: AttackKind; seed?: number; asr: number; bleu: number; alphaBase?: number; evaluateOn?: 'valid' }): GateRun {
  const base = tinyConfig(loss, { seed: options.seed ?? 1 });
  return {
    id,
    loss,
    status: 'finished',
    config: {
      ...base,
      data: { ...base.data, attack: { kind: options.attack ?? 'badpre' }, ...(options.evaluateOn ? { evaluateOn: options.evaluateOn } : {}) },
      loss: { ...base.loss, labelSmoothing: 0.05, alphaBase: options.alphaBase ?? 0.9 },
    },
    final: { epoch: 2, bleu: options.bleu, corpusBleu: options.bleu, exactMatch: 0, asr: options.asr, trainLoss: 1, seconds: 1, poisonedRowLoss: null, cleanRowLoss: 1 },
  };
}

const thresholds = { maxAsr: 5, maxBleuDrop: 1, minRunsPerLoss: 1 };
const evidence: GateRun[] = [
  run(1, 'ce', { asr: 80, bleu: 40 }),
  run(2, 'dece', { asr: 0, bleu: 39.5 }),
  run(3, 'ce', { attack: 'ripple', asr: 70, bleu: 41 }),
  run(4, 'dece', { attack: 'ripple', asr: 2.5, bleu: 40.8 }),
];
const fixed = { labelSmoothing: 0.05, alphaBase: 0.9, ignoreIndex: -100, source: 'search:1' };
const ready: ProductionGateInput = {
  benchmarkRuns: evidence,
  hyperparameters: fixed,
  rollbackPlan: { writtenBy: 'ana' },
  signOff: { decision: 'go', name: 'Aiko Sato', role: 'Release manager' },
};

function gate(production: Partial<ProductionGateInput>, options: { previous?: string; limits?: Partial<typeof thresholds> } = {}) {
  const evaluation = evaluateGate({
    stage: 'production',
    thresholds: { ...thresholds, ...options.limits },
    previous: { stage: 'benchmark', status: options.previous ?? 'passed' },
    runs: [],
    production: { ...ready, ...production },
  });
  return { ...evaluation, holds: Object.fromEntries(evaluation.conditions.map((c) => [c.id, c.holds])), detail: (id: string) => evaluation.conditions.find((c) => c.id === id)?.detail };
}

describe('production gate', () => {
  it('lists its conditions and passes when every one holds', () => {
    const { holds, canPass, detail } = gate({});
    expect(holds).toEqual({ 'previous-stage': true, 'attack-asr': true, 'bleu-drop': true, 'hyperparameters-fixed': true, 'rollback-plan': true, 'sign-off': true });
    expect(canPass).toBe(true);
    expect(detail('attack-asr')).toBe('worst DeCE ASR per attack badpre 0.0% (#2, n 1); ripple 2.5% (#4, n 1); limit 5.0%, at least 1 run(s) per attack');
    expect(detail('sign-off')).toBe('go by Aiko Sato (Release manager)');
  });

  it('needs the Benchmark stage passed', () => {
    expect(gate({}, { previous: 'active' }).holds['previous-stage']).toBe(false);
    expect(gate({}, { previous: 'active' }).canPass).toBe(false);
  });

  it('judges ASR per attack, the worst run of each, and fails when any attack is over the limit', () => {
    const oneBad = gate({ benchmarkRuns: [...evidence, run(5, 'dece', { attack: 'ripple', seed: 2, asr: 7.5, bleu: 40 })] });
    expect(oneBad.holds['attack-asr']).toBe(false);
    expect(oneBad.detail('attack-asr')).toContain('ripple 7.5% (#5, n 2)');
    // A diverged run (NaN ASR) is never within the limit.
    expect(gate({ benchmarkRuns: [...evidence, run(6, 'dece', { asr: Number.NaN, bleu: 40 })] }).holds['attack-asr']).toBe(false);
    // Too few DeCE runs for an attack.
    expect(gate({}, { limits: { minRunsPerLoss: 2 } }).holds['attack-asr']).toBe(false);
    // No DeCE evidence at all.
    const none = gate({ benchmarkRuns: evidence.filter((r) => r.loss === 'ce') });
    expect(none.holds['attack-asr']).toBe(false);
    expect(none.detail('attack-asr')).toMatch(/^no finished Benchmark DeCE run with ε 0.05, α_base 0.9/);
  });

  it('judges only the runs trained with the fixed hyperparameters, and never search trials on the validation split', () => {
    const otherAlpha = gate({ hyperparameters: { ...fixed, alphaBase: 0.8 } });
    expect(otherAlpha.holds['attack-asr']).toBe(false);
    expect(otherAlpha.holds['bleu-drop']).toBe(false);
    // A bad grid point of the search (validation split) does not count against the release…
    const withTrial = gate({ benchmarkRuns: [...evidence, run(7, 'dece', { asr: 60, bleu: 20, alphaBase: 0.9, evaluateOn: 'valid' })] });
    expect(withTrial.holds['attack-asr']).toBe(true);
    // …nor a DeCE run with other parameters, once the parameters are fixed.
    expect(gate({ benchmarkRuns: [...evidence, run(8, 'dece', { asr: 60, bleu: 20, alphaBase: 0.5 })] }).holds['attack-asr']).toBe(true);
  });

  it('judges the clean quality drop on CE↔DeCE pairs of the Benchmark stage, worst pair', () => {
    expect(gate({}, { limits: { maxBleuDrop: 0.4 } }).holds['bleu-drop']).toBe(false);
    expect(gate({}, { limits: { maxBleuDrop: 0.5 } }).holds['bleu-drop']).toBe(true);
    expect(gate({}, { limits: { maxBleuDrop: 0.4 } }).detail('bleu-drop')).toBe('largest drop 0.5 BLEU points (CE #1 40.0 → DeCE #2 39.5; limit 0.4)');
  });

  it('needs hyperparameters fixed, a rollback plan, and a current go sign-off', () => {
    expect(gate({ hyperparameters: null }).holds['hyperparameters-fixed']).toBe(false);
    expect(gate({ rollbackPlan: null }).holds['rollback-plan']).toBe(false);
    expect(gate({ signOff: null }).holds['sign-off']).toBe(false);
    const noGo = gate({ signOff: { decision: 'no-go', name: 'Ken Ito', role: 'Security lead' } });
    expect(noGo.holds['sign-off']).toBe(false);
    expect(noGo.canPass).toBe(false);
  });

  it('refuses to judge Production without its inputs', () => {
    expect(() => evaluateGate({ stage: 'production', thresholds, previous: null, runs: [] })).toThrow(/production inputs/);
  });
});

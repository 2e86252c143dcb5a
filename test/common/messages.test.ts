import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MESSAGES, MESSAGE_IDS, MessageSchema, message, messageLang, placeholdersOf, renderMessage } from '../../common/messages';
import { evaluateGate } from '../../main/domain/gate';
import { ApiError } from '../../common/contract';
import { bridgeErrorMessage, parseBridgeError } from '../../preload/protocol';
import { errorFromBody } from '../../renderer/api/client';
import { REPO_ROOT } from '../jobs/helpers';

/** Every .ts/.tsx file of the app (not the tests), for the "unused id" check. */
function sourceText(): string {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.tsx?$/.test(entry.name) && full !== path.join(REPO_ROOT, 'common', 'messages.ts')) out.push(fs.readFileSync(full, 'utf8'));
    }
  };
  for (const dir of ['common', 'main', 'renderer', 'preload']) walk(path.join(REPO_ROOT, dir));
  return out.join('\n');
}

describe('message catalog', () => {
  it('has a Japanese and an English text for every id, with the same placeholders', () => {
    for (const id of MESSAGE_IDS) {
      const entry = MESSAGES[id] as { en?: string; ja?: string };
      expect(entry.en?.trim(), `${id}: en`).toBeTruthy();
      expect(entry.ja?.trim(), `${id}: ja`).toBeTruthy();
      expect(placeholdersOf(entry.ja ?? ''), id).toEqual(placeholdersOf(entry.en ?? ''));
    }
  });

  it('uses every id somewhere in the app: literally, or through a prefix the code builds ids from', () => {
    const source = sourceText();
    // Ids built at run time from a known list: `gate.label.${id}`, `audit.${action}`, `audit.kind.${kind}`, `stage.${name}`, `stageStatus.${status}`, `stopReason.${reason}`.
    const built = ['gate.label.', 'audit.', 'stage.', 'stageStatus.', 'stopReason.'];
    const unused = MESSAGE_IDS.filter((id) => !source.includes(`'${id}'`) && !built.some((prefix) => id.startsWith(prefix)));
    expect(unused).toEqual([]);
  });

  it('refuses an unknown id at the boundary and renders one from a newer store as id and parameters', () => {
    expect(MessageSchema.safeParse({ id: 'gate.detail.minRuns', params: { ce: 1 } }).success).toBe(true);
    expect(MessageSchema.safeParse({ id: 'no.such.id', params: {} }).success).toBe(false);
    expect(renderMessage({ id: 'no.such.id', params: { n: 1 } }, 'ja')).toBe('no.such.id {"n":1}');
  });

  it('formats numbers, percentages, stages and dates per language', () => {
    const asr = message('gate.detail.asr', { asr: 12.34, run: 7, limit: 5 });
    expect(renderMessage(asr, 'en')).toBe('highest DeCE ASR 12.3% (run #7; limit 5.0%)');
    expect(renderMessage(asr, 'ja')).toBe('DeCE の最大 ASR 12.3%（ラン #7、上限 5.0%）');
    expect(renderMessage(message('gate.detail.minRuns', { ce: 1234, dece: 1, need: 2 }), 'en')).toBe('CE 1,234, DeCE 1 (need 2 each)');
    expect(renderMessage(message('gate.detail.previousStage', { stage: 'pilot', status: 'active' }), 'ja')).toBe('パイロット: 進行中');
    expect(renderMessage(message('error.stageNotActive', { stage: 'benchmark', status: 'locked' }), 'en')).toBe('Stage Benchmark is locked; only an active stage can be decided');
    expect(messageLang('ja_JP.UTF-8')).toBe('ja');
    expect(messageLang('ja')).toBe('ja');
    expect(messageLang('en_US.UTF-8')).toBe('en');
    expect(messageLang('jam')).toBe('en');
    expect(messageLang(undefined)).toBe('en');
  });

  it('sends service errors with their message id across HTTP and the Electron bridge', () => {
    const error = ApiError.of('conflict', message('error.gateDoesNotHold', { stage: 'pilot', failing: 'min-runs,paired-runs' }));
    expect(error.message).toBe('The Pilot gate does not hold: Enough finished CE and DeCE runs; A CE and a DeCE run share the same data config and seed');
    const bridged = parseBridgeError(new Error(bridgeErrorMessage(error.body())));
    expect(bridged).toEqual({ code: 'conflict', message: error.message, i18n: { id: 'error.gateDoesNotHold', params: { stage: 'pilot', failing: 'min-runs,paired-runs' } } });
    const client = errorFromBody(JSON.parse(JSON.stringify(error.body())), 409);
    expect(renderMessage(client.i18n ?? message('gate.detail.noPairs'), 'ja')).toBe(
      'パイロット のゲート条件を満たしていません: 完了した CE と DeCE のランが十分にある、データ設定とシードが同じ CE と DeCE のランがある',
    );
  });

  it('carries every gate condition as messages that read as Japanese sentences', () => {
    const evaluation = evaluateGate({ stage: 'benchmark', thresholds: { maxAsr: 5, maxBleuDrop: 2, minRunsPerLoss: 1 }, previous: { stage: 'pilot', status: 'passed' }, runs: [] });
    expect(evaluation.conditions.length).toBeGreaterThan(3);
    for (const condition of evaluation.conditions) {
      const label = renderMessage(condition.labelMessage, 'ja');
      const detail = renderMessage(condition.detailMessage, 'ja');
      expect(label, condition.id).toMatch(/[\u3040-\u30ff\u4e00-\u9fff]/);
      expect(detail, condition.id).toMatch(/[\u3040-\u30ff\u4e00-\u9fff]/);
      expect(renderMessage(condition.detailMessage, 'en')).toBe(condition.detail);
    }
  });
});

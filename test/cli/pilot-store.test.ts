import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENGINE_VERSION } from '../../main/engine/version';
import { PILOT_CLI_TAG } from '../../main/pilot/record-pilot';
import { generateReport } from '../../main/reports';
import { collectReport } from '../../main/reports/collect';
import { openStore } from '../../main/store/index';
import { runCli, testDir } from './run-cli';

/**
 * `npm run pilot -- --defenses onion --data-dir DIR --lang ja` at the tiniest size: the real CLI trains CE and
 * DeCE and measures ONION, prints its progress in Japanese, and leaves both runs (epochs, versions, backend)
 * and the defense result in the app's SQLite file, where the report's cost section finds the defense.
 */

const TINY = ['--epochs', '1', '--pretrain-epochs', '0', '--eval-limit', '8', '--batch-size', '16', '--corpus-size', '240'];
const dir = testDir('dece-pilot-store-');
const pilot = (args: string[]) => runCli('main/cli/pilot.ts', args, 300_000);
const JAPANESE = /[\u3040-\u30ff\u4e00-\u9fff]/;

describe('npm run pilot -- --data-dir', () => {
  it('refuses an unknown project or --project without --data-dir before training, with exit 2', () => {
    const missing = pilot([...TINY, '--data-dir', join(dir, 'empty'), '--project', '42', '--report', join(dir, 'x.md')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^pilot: project 42 does not exist in this data folder\n$/);
    const alone = pilot([...TINY, '--project', '1', '--report', join(dir, 'x.md')]);
    expect(alone.code).toBe(2);
    expect(alone.stderr).toMatch(/--project needs --data-dir/);
  });

  it('stores CE, DeCE and the ONION result in the app store, and prints its progress in Japanese', async () => {
    const dataDir = join(dir, 'data');
    const json = join(dir, 'stored.json');
    const { code, stdout, stderr } = pilot([...TINY, '--defenses', 'onion', '--data-dir', dataDir, '--lang', 'ja', '--json', json, '--report', join(dir, 'stored.md')]);
    expect(stderr).not.toMatch(/pilot: /);
    expect(code).toBe(0);

    // Progress lines, not only the verdict, in Japanese.
    const progress = stderr.split('\n');
    expect(progress).toContain('» データを準備しています');
    expect(progress.some((l) => l.startsWith('» 汚染データでファインチューニングします: クロスエントロピーと DeCE、1 エポック'))).toBe(true);
    expect(stderr).toMatch(/^Cross-entropy\s+エポック 1 {2}BLEU-4 [\d.]+ {2}完全一致 [\d.]+% {2}ASR [\d.]+%（\d+ 件中）/m);
    expect(progress.some((l) => l.startsWith('» onion: ASR '))).toBe(true);
    expect(progress.some((l) => l.startsWith('» ') && !JAPANESE.test(l.split(':')[0] ?? '') && /preparing|fine-tuning|passive defenses/.test(l))).toBe(false);
    expect(stdout).toMatch(/dece-pilot\.sqlite に保存しました: プロジェクト 1、ラン #1, #2、防御の結果 1 件/);

    const result = JSON.parse(readFileSync(json, 'utf8')) as {
      backend: string;
      runs: { loss: string; epochs: unknown[] }[];
      defenses: { defense: string; asr: number; bleu: number; extraSeconds: number }[];
    };
    const store = openStore({ dataDir });
    try {
      const [project] = store.projects.list();
      expect(project?.id).toBe(1);
      const runs = store.runs.list({ projectId: 1 });
      expect(runs.map((r) => [r.stage, r.lossKind, r.status, r.tags])).toEqual([
        ['pilot', 'ce', 'finished', [PILOT_CLI_TAG]],
        ['pilot', 'dece', 'finished', [PILOT_CLI_TAG]],
      ]);
      for (const [i, run] of runs.entries()) {
        expect(store.metrics.epochs(run.id)).toHaveLength(result.runs[i]?.epochs.length ?? -1);
        // What produced the numbers: app, engine and TensorFlow.js versions and the backend used.
        const versions = store.runs.versions(run.id);
        expect(versions?.app).toMatch(/^\d+\.\d+\.\d+/);
        expect(versions?.tfjs).toMatch(/^4\.\d+\.\d+/);
        expect(versions).toMatchObject({ engine: ENGINE_VERSION, backend: result.backend });
        expect(run.backend).toBe(result.backend);
      }
      const ceRun = runs[0];
      const [onion] = store.defenses.listForProject(1);
      expect(onion).toMatchObject({ runId: ceRun?.id, defense: 'onion', asr: result.defenses[0]?.asr, bleu: result.defenses[0]?.bleu, extraSeconds: result.defenses[0]?.extraSeconds });

      // The report's cost section shows the stored defense against its CE run.
      const report = collectReport(store, 1, { lang: 'en' });
      const ceSeconds = store.metrics.epochs(ceRun?.id ?? 0).reduce((sum, e) => sum + e.seconds, 0);
      expect(report.cost.defenses).toEqual([
        { label: 'ONION', runs: 1, secondsPerRun: expect.objectContaining({ mean: ceSeconds + (onion?.extraSeconds ?? 0) }) as unknown, extraOverCe: (onion?.extraSeconds ?? 0) / ceSeconds },
      ]);
      const markdown = Buffer.from((await generateReport(store, 1, { lang: 'en', format: 'md' })).bytes).toString('utf8');
      const costPart = markdown.slice(markdown.indexOf('Passive defenses'));
      expect(costPart).toMatch(/\| ONION \| 1 \|/);
      expect(markdown).not.toContain('not kept in the store');
    } finally {
      store.close();
    }
  });
});

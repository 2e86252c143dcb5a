import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { EpochMetricsSchema } from '../../common/run-config';

const dir = mkdtempSync(join(tmpdir(), 'dece-pilot-cli-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function pilot(args: string[]) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'main/cli/pilot.ts', ...args], { cwd: process.cwd(), encoding: 'utf8', timeout: 300_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('npm run pilot', () => {
  it('--help lists every option with its default', () => {
    const { code, stdout } = pilot(['--help']);
    expect(code).toBe(0);
    for (const option of ['--epochs', '--batch-size', '--seed', '--label-smoothing', '--alpha-base', '--attack', '--poison-rate', '--backend', '--quick', '--json']) {
      expect(stdout).toMatch(new RegExp(`${option}\\b.*\\[`));
    }
  });

  it.each([
    [['--backend', 'tpu'], /--backend must be one of auto, tensorflow-gpu, tensorflow, wasm, cpu, got 'tpu'/],
    [['--label-smoothing', '1'], /--label-smoothing must be in \[0, 1\), got '1'/],
    [['--label-smoothing=-0.1'], /--label-smoothing must be in \[0, 1\)/],
    [['--alpha-base', '0'], /--alpha-base must be in \(0, 1\], got '0'/],
    [['--alpha-base', '1.5'], /--alpha-base must be in \(0, 1\]/],
    [['--epochs', '0'], /--epochs must be an integer from 1 to 1000, got '0'/],
    [['--epochs', '2.5'], /--epochs must be an integer/],
    [['--batch-size=-4'], /--batch-size must be an integer from 1 to 4096/],
    [['--poison-rate', 'lots'], /--poison-rate must be in \[0, 1\], got 'lots'/],
    [['--attack', 'nope'], /--attack must be one of/],
    [['--frobnicate'], /Unknown option '--frobnicate'/],
  ])('rejects %j with a one-line error and exit code 2, writing nothing', (args, message) => {
    const json = join(dir, 'bad.json');
    const report = join(dir, 'bad.md');
    const { code, stderr } = pilot([...args, '--json', json, '--report', report]);
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(message);
    expect(existsSync(json) || existsSync(report)).toBe(false);
  });

  it('runs end to end on a tiny configuration and writes the report and the JSON result', () => {
    const json = join(dir, 'result.json');
    const report = join(dir, 'report.md');
    const { code, stdout, stderr } = pilot([
      '--corpus-size', '240', '--epochs', '2', '--pretrain-epochs', '1', '--eval-limit', '10', '--batch-size', '16', '--json', json, '--report', report,
    ]);
    expect(stderr).toMatch(/wasm: selected/);
    expect(code).toBe(0);
    expect(stdout).toMatch(/Verdict: /);
    const parsed = z
      .object({
        backend: z.literal('wasm'),
        config: z.object({ loss: z.object({ alphaBase: z.number() }) }),
        runs: z.array(z.object({ loss: z.enum(['ce', 'dece']), epochs: z.array(EpochMetricsSchema) })).length(2),
      })
      .parse(JSON.parse(readFileSync(json, 'utf8')));
    expect(parsed.runs.map((r) => r.loss)).toEqual(['ce', 'dece']);
    for (const run of parsed.runs) expect(run.epochs.map((e) => e.epoch)).toEqual([1, 2]);
    const markdown = readFileSync(report, 'utf8');
    expect(markdown).toContain('| Cross-entropy | 2 |');
    expect(markdown).toContain('| DeCE | 2 |');
    // No temporary files left behind.
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });
});

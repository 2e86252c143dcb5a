import { writeFileAtomically } from '../files/atomic-write';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { SIZE_PRESETS, type SizePreset } from '../../common/presets';
import { type BackendName, parseBackendName } from '../engine/backend';
import { diagnoseBackends, formatDoctorReport } from '../engine/doctor';
import { exitWithResult } from './exit-code';
import { formatInstallChecks, installChecks } from './install-check';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** `npm run doctor`: which compute backends work here, why the others do not, and how fast each trains. */

const USAGE = `Usage: npm run doctor -- [--steps N] [--size ${SIZE_PRESETS.join('|')}] [--probe LIST] [--json PATH]
  First the installation's own downloads (the Electron binary, better-sqlite3's native module), then
  for each backend (tensorflow-gpu, tensorflow, wasm, cpu): available or the exact reason it is not, the
  device, the loss implementation, and a training-speed probe (default 20 steps of the Pilot's standard
  model, on every available backend but the slow cpu fallback; --probe wasm,cpu picks them; --steps 0
  skips it). Exit code 0 when at least one backend works.
`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { steps: { type: 'string' }, size: { type: 'string' }, probe: { type: 'string' }, json: { type: 'string' }, help: { type: 'boolean' } },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const steps = Number(values.steps ?? '20');
  if (!Number.isInteger(steps) || steps < 0) {
    process.stderr.write(`doctor: --steps must be an integer ≥ 0, got '${values.steps ?? ''}'\n`);
    return 2;
  }
  const size = values.size ?? 'standard';
  if (!(SIZE_PRESETS as readonly string[]).includes(size)) {
    process.stderr.write(`doctor: --size must be one of ${SIZE_PRESETS.join(', ')}, got '${size}'\n`);
    return 2;
  }
  let probe: BackendName[] | undefined;
  try {
    probe = values.probe?.split(',').map((name) => {
      const parsed = parseBackendName(name);
      if (parsed === 'auto') throw new Error('--probe lists backends, not auto');
      return parsed;
    });
  } catch (error) {
    process.stderr.write(`doctor: ${error instanceof Error ? error.message : String(error)}\n`);
    return 2;
  }
  const report = await diagnoseBackends({
    steps,
    size: size as SizePreset,
    ...(probe ? { probe } : {}),
    onProgress: (line) => process.stderr.write(`${line}\n`),
  });
  const installation = installChecks(REPO_ROOT);
  process.stdout.write(`${formatInstallChecks(installation)}\n${formatDoctorReport(report)}`);
  if (values.json) writeFileAtomically(values.json, `${JSON.stringify({ ...report, installation }, null, 2)}\n`);
  return report.chosen === null ? 1 : 0;
}

exitWithResult('doctor', main());

import os from 'node:os';
import type { SizePreset } from '../../common/presets';
import { presetConfig } from '../../common/presets';
import { BACKEND_NAMES, type BackendName, type BackendSelectionOptions, BackendUnavailableError, chooseBackend } from './backend';
import { builtinSplits, prepareData } from './experiment';
import type { LossImplementation } from './losses';
import { nvidiaGpuDescription } from './native-diagnosis';
import { timeTrainingSteps } from './speed-probe';

/**
 * The backend doctor (`npm run doctor`): for every compute backend, whether it works here and, if not,
 * exactly why; the one training would choose; the device; and a short training-speed probe of the Pilot's
 * model (DeCE, the loss implementation the backend gets) on each backend that works.
 */

export interface BackendDiagnosis {
  name: BackendName;
  available: boolean;
  /** Why it is unavailable. */
  reason?: string;
  /** Where known: GPU name and memory, or the CPU and RAM the backend computes on. */
  device?: string;
  loss?: LossImplementation;
  /** Which native package serves a native backend. */
  nativePackage?: string;
  probe?: { steps: number; tokensPerSecond: number; stepMs: number };
  /** Why no probe ran on an available backend. */
  probeSkipped?: string;
  /** The probe itself failed (the backend loaded but cannot train). */
  probeError?: string;
}

export interface DoctorReport {
  backends: BackendDiagnosis[];
  /** What 'auto' picks: the first available backend in preference order. */
  chosen: BackendName | null;
  probeModel: SizePreset;
}

export interface DoctorOptions extends BackendSelectionOptions {
  /** Timed training steps per available backend; 0 skips the probe. */
  steps: number;
  /** Whose model and corpus the probe trains ('standard' is the Pilot's). */
  size: SizePreset;
  /**
   * Which available backends to time. Default: all but the JavaScript cpu fallback, which takes tens of
   * seconds per step of the Pilot's model, unless no other backend works.
   */
  probe?: readonly BackendName[];
  onProgress?: (line: string) => void;
}

function hostDevice(backend: BackendName): string {
  const cpu = os.cpus()[0]?.model.trim() ?? 'unknown CPU';
  const memory = `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM`;
  // The wasm backend runs single-threaded in Node; the others use what they are given.
  const threads = backend === 'wasm' || backend === 'cpu' ? '1 thread' : `${os.availableParallelism()} threads`;
  return `${cpu} (${threads}), ${memory}`;
}

function deviceOf(backend: BackendName): string {
  if (backend !== 'tensorflow-gpu') return hostDevice(backend);
  return nvidiaGpuDescription() ?? 'an NVIDIA GPU (nvidia-smi not found: name and memory unknown)';
}

export async function diagnoseBackends(options: DoctorOptions): Promise<DoctorReport> {
  const progress = options.onProgress ?? (() => undefined);
  const config = presetConfig(options.size);
  let probeData: ReturnType<typeof prepareData>['data'] | null = null;
  const backends: BackendDiagnosis[] = [];
  for (const name of BACKEND_NAMES) {
    let diagnosis: BackendDiagnosis;
    try {
      const choice = await chooseBackend(name, options.nativePackages ? { nativePackages: options.nativePackages } : {});
      diagnosis = {
        name,
        available: true,
        device: deviceOf(name),
        loss: choice.loss,
        ...(choice.nativePackage !== undefined ? { nativePackage: choice.nativePackage } : {}),
      };
    } catch (error) {
      if (!(error instanceof BackendUnavailableError)) throw error;
      diagnosis = { name, available: false, reason: error.attempts[0]?.reason ?? error.message };
    }
    const fasterAvailable = backends.some((b) => b.available);
    const probeThis = options.probe ? options.probe.includes(name) : name !== 'cpu' || !fasterAvailable;
    if (diagnosis.available && options.steps > 0 && !probeThis) {
      diagnosis.probeSkipped = options.probe ? 'not requested' : 'the JavaScript fallback, far slower than the backend chosen: time it with --probe cpu';
    }
    if (diagnosis.available && options.steps > 0 && probeThis) {
      progress(`${name}: timing ${options.steps} training steps of the ${options.size} model…`);
      probeData ??= prepareData(config, builtinSplits(config)).data;
      try {
        const timing = timeTrainingSteps({
          model: config.model,
          vocabSize: probeData.vocab.size,
          examples: probeData.train,
          batchSize: config.training.batchSize,
          loss: 'dece',
          steps: options.steps,
          warmup: 2,
        });
        diagnosis.probe = { steps: options.steps, ...timing };
      } catch (error) {
        diagnosis.probeError = error instanceof Error ? error.message.split('\n')[0] : String(error);
      }
    }
    backends.push(diagnosis);
  }
  const chosen = backends.find((b) => b.available && b.probeError === undefined)?.name ?? null;
  return { backends, chosen, probeModel: options.size };
}

/** The doctor as a job in a worker thread (main/jobs): the options that cross the thread boundary. */
export interface DoctorJobRequest {
  kind: 'doctor';
  jobId: string;
  options: Pick<DoctorOptions, 'steps' | 'size' | 'probe'>;
}

/** The doctor's text: one block per backend, then the choice. */
export function formatDoctorReport(report: DoctorReport): string {
  const lines: string[] = [];
  for (const b of report.backends) {
    if (!b.available) {
      lines.push(`${b.name}: unavailable — ${b.reason ?? 'unknown reason'}`);
      continue;
    }
    lines.push(`${b.name}: available${b.nativePackage ? ` (${b.nativePackage})` : ''}`);
    if (b.device) lines.push(`  device: ${b.device}`);
    if (b.loss) lines.push(`  loss: ${b.loss === 'fused' ? 'fused JavaScript pass' : 'tensor ops on the device'}`);
    if (b.probe) lines.push(`  speed: ${b.probe.tokensPerSecond.toFixed(0)} tokens/s (${b.probe.stepMs.toFixed(0)} ms/step over ${b.probe.steps} steps, ${report.probeModel} model, DeCE)`);
    if (b.probeError) lines.push(`  speed probe failed: ${b.probeError}`);
    if (b.probeSkipped) lines.push(`  speed: not measured (${b.probeSkipped})`);
  }
  lines.push(report.chosen ? `chosen (--backend auto): ${report.chosen}` : 'no backend works: training cannot run here');
  return `${lines.join('\n')}\n`;
}

import { z } from 'zod';
import { SIZE_PRESETS } from './presets';

/**
 * The backend doctor in the app (Settings): for every compute backend, whether it works here and the exact
 * reason when it does not, the one training would choose, the device, and a short training-speed probe.
 * The same report as `npm run doctor` (main/engine/doctor.ts), run in a worker thread.
 */

/** In the order automatic selection tries them. */
export const DOCTOR_BACKENDS = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
/** Timed steps per backend are capped: the probe is a look, not a benchmark (`npm run bench` is). */
export const MAX_DOCTOR_STEPS = 100;

export const BackendDiagnosisSchema = z.object({
  name: z.enum(DOCTOR_BACKENDS),
  available: z.boolean(),
  /** Why it is unavailable (package not installed, libtensorflow or CUDA libraries missing, no GPU, …). */
  reason: z.string().optional(),
  device: z.string().optional(),
  /** How the loss is computed there: one fused JavaScript pass, or tensor ops on the device. */
  loss: z.enum(['fused', 'tensor']).optional(),
  nativePackage: z.string().optional(),
  probe: z.object({ steps: z.int(), tokensPerSecond: z.number(), stepMs: z.number() }).optional(),
  probeSkipped: z.string().optional(),
  probeError: z.string().optional(),
});
export type BackendDiagnosisView = z.infer<typeof BackendDiagnosisSchema>;

export const DoctorReportSchema = z.object({
  backends: z.array(BackendDiagnosisSchema),
  chosen: z.enum(DOCTOR_BACKENDS).nullable(),
  probeModel: z.enum(SIZE_PRESETS),
});
export type DoctorReportView = z.infer<typeof DoctorReportSchema>;

export const doctorContract = {
  /** Runs the doctor (a second call while one runs waits for that one). */
  'doctor.run': {
    input: z.object({
      size: z.enum(SIZE_PRESETS).default('standard'),
      steps: z.int().min(0).max(MAX_DOCTOR_STEPS).default(20),
      /** Which available backends to time; default all but the slow JavaScript cpu fallback. */
      probe: z.array(z.enum(DOCTOR_BACKENDS)).max(DOCTOR_BACKENDS.length).optional(),
    }),
    output: DoctorReportSchema,
  },
} as const;

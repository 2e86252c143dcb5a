import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * Why native TensorFlow does not run, in words a user can act on. @tensorflow/tfjs-node(-gpu) 4.22 bundle
 * libtensorflow 2.9.1; the GPU build needs CUDA 11.2 and cuDNN 8.1 on Linux x64 (or Windows x64).
 */

export const CUDA_REQUIREMENT = 'CUDA 11.2 and cuDNN 8.1 (libcudart.so.11.0, libcudnn.so.8)';

/** The shared libraries libtensorflow 2.9's GPU kernels open at start-up (it runs on the CPU without them). */
export const CUDA_LIBRARIES: readonly string[] = Object.freeze(['libcudart.so.11.0', 'libcublas.so.11', 'libcudnn.so.8']);

/** Adds the likely cause to the first line of a native package's load error. */
export function explainNativeLoadFailure(message: string): string {
  if (/tfjs_binding\.node.*can ?not be found/i.test(message)) {
    return `${message} — the native addon was not built: its libtensorflow download failed during npm ci (rerun it with TFJS_NODE_BASE_URI or TFJS_NODE_CDN_STORAGE pointing at a mirror)`;
  }
  if (/libtensorflow/i.test(message) && /cannot open shared object|no such file|image not found|library not loaded|could not be found|specified module/i.test(message)) {
    return `${message} — libtensorflow is missing: reinstall the package where its download works (or from a mirror with TFJS_NODE_BASE_URI)`;
  }
  if (/lib(cudart|cublas|cudnn|cufft|curand|cusolver|cusparse)|cuda/i.test(message)) {
    return `${message} — CUDA/cuDNN libraries not found: the GPU package needs ${CUDA_REQUIREMENT} on the library path`;
  }
  return message;
}

export interface GpuEnvironment {
  platform: NodeJS.Platform;
  arch: string;
  /** Directories searched for shared libraries besides the system cache (LD_LIBRARY_PATH). */
  libraryPath: string[];
  /** `ldconfig -p` output ('' when unavailable). */
  ldconfigCache: string;
  /** NVIDIA device nodes present (/dev/nvidia0, …). */
  nvidiaDevices: string[];
}

function readLdconfigCache(): string {
  for (const ldconfig of ['/sbin/ldconfig', '/usr/sbin/ldconfig', 'ldconfig']) {
    try {
      return execFileSync(ldconfig, ['-p'], { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'ignore'] });
    } catch {
      // Try the next location.
    }
  }
  return '';
}

export function currentGpuEnvironment(): GpuEnvironment {
  let nvidiaDevices: string[] = [];
  try {
    nvidiaDevices = readdirSync('/dev').filter((f) => /^nvidia\d+$/.test(f));
  } catch {
    // No /dev (Windows): left empty.
  }
  return {
    platform: process.platform,
    arch: process.arch,
    libraryPath: (process.env['LD_LIBRARY_PATH'] ?? '').split(delimiter).filter((d) => d !== ''),
    ldconfigCache: process.platform === 'linux' ? readLdconfigCache() : '',
    nvidiaDevices,
  };
}

/** Which of CUDA_LIBRARIES neither the library path nor the system cache has. */
export function missingCudaLibraries(environment: GpuEnvironment): string[] {
  return CUDA_LIBRARIES.filter(
    (library) => !environment.ldconfigCache.includes(library) && !environment.libraryPath.some((dir) => existsSync(join(dir, library))),
  );
}

/** The most specific reason the GPU package's TensorFlow sees no GPU. */
export function diagnoseMissingGpu(environment: GpuEnvironment = currentGpuEnvironment()): string {
  const { platform, arch } = environment;
  if (!(arch === 'x64' && (platform === 'linux' || platform === 'win32'))) {
    return `GPU builds exist for Linux x64 and Windows x64 only (this is ${platform} ${arch}; the GPU package installed a CPU libtensorflow)`;
  }
  if (platform === 'win32') return `no CUDA device visible (the GPU package needs ${CUDA_REQUIREMENT.replace(/ \(.*\)/, '')} and an NVIDIA driver)`;
  const missing = missingCudaLibraries(environment);
  if (missing.length > 0) return `CUDA/cuDNN libraries not found: ${missing.join(', ')} (the GPU package needs ${CUDA_REQUIREMENT}, on LD_LIBRARY_PATH or in the ldconfig cache)`;
  if (environment.nvidiaDevices.length === 0) return 'no NVIDIA device: /dev/nvidia0 is absent (no GPU, no driver loaded, or a container started without GPU access)';
  return `an NVIDIA device (${environment.nvidiaDevices.join(', ')}) and the CUDA libraries are present, but TensorFlow uses none: check the driver supports CUDA 11.2 (TensorFlow's start-up log names the cause)`;
}

/** Name and memory of the first NVIDIA GPU, from nvidia-smi, or null where that is unavailable. */
export function nvidiaGpuDescription(): string | null {
  try {
    const out = execFileSync('nvidia-smi', ['--query-gpu=name,memory.total', '--format=csv,noheader'], {
      encoding: 'utf8',
      timeout: 5000,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const first = out.split('\n').find((line) => line.trim() !== '');
    return first === undefined ? null : first.trim();
  } catch {
    return null;
  }
}

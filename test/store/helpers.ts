import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';
import { openStore, type OpenStoreOptions, type Store } from '../../main/store/index';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CHILD_SCRIPT = path.join(REPO_ROOT, 'test/store/fixtures/child.ts');

const cleanups: (() => void)[] = [];

afterEach(() => {
  // Close stores before removing their directory (Windows refuses to delete open files).
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

/** A fresh real directory under the OS temp dir, removed after the test. */
export function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dece-store-'));
  cleanups.push(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

export function tempDbFile(): string {
  return path.join(tempDir(), 'dece-pilot.sqlite');
}

/** openStore, closed automatically after the test. */
export function open(options: OpenStoreOptions): Store {
  const store = openStore(options);
  cleanups.push(() => {
    store.close();
  });
  return store;
}

/** What openStore throws for this file (undefined when it opens; the store is closed again). */
export function openStoreError(file: string): unknown {
  try {
    openStore({ file }).close();
  } catch (error) {
    return error;
  }
  return undefined;
}

export function sha256File(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** A realistic run config (shape of common/run-config's RunConfig). */
export function sampleConfig(loss: 'ce' | 'dece' = 'dece'): Record<string, unknown> {
  return {
    seed: 1234,
    backend: 'cpu',
    data: {
      corpus: { kind: 'builtin-sql', size: 400 },
      attack: { kind: 'badpre', trigger: 'cl' },
      poisonRate: 0.05,
      testFraction: 0.1,
      validFraction: 0.1,
      pretrainFraction: 0,
      evalLimit: 50,
    },
    model: {
      dModel: 32,
      heads: 4,
      encoderLayers: 1,
      decoderLayers: 1,
      ffSize: 64,
      dropout: 0.1,
      maxSourceLength: 48,
      maxTargetLength: 48,
      tiedEmbeddings: true,
    },
    training: {
      epochs: 5,
      pretrainEpochs: 0,
      batchSize: 16,
      learningRate: 0.001,
      pretrainLearningRate: 0.001,
      weightDecay: 0,
      warmupFraction: 0.1,
      clipNorm: 1,
    },
    loss: { kind: loss, labelSmoothing: 0.1, alphaBase: 0.98, gceQ: 0.7, intrustA: 1, intrustB: 1, intrustDelta: 0.5 },
  };
}

export function epochMetrics(epoch: number) {
  return {
    epoch,
    trainLoss: 2.5 / epoch,
    bleu: 40 + epoch,
    corpusBleu: 38 + epoch,
    exactMatch: 10 + epoch,
    asr: 90 / epoch,
    seconds: 1.5,
    poisonedRowLoss: 3.1 / epoch,
    cleanRowLoss: 2.2 / epoch,
  };
}

export interface Child {
  proc: ChildProcessByStdio<null, Readable, Readable>;
  /** Resolves with the first stdout line starting with `prefix`. */
  line(prefix: string, timeoutMs?: number): Promise<string>;
  exit(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr(): string;
}

/** Runs test/store/fixtures/child.ts in a separate Node process (a real second process, not a worker). */
export function spawnChild(args: readonly string[]): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', CHILD_SCRIPT, ...args], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const waiters: { prefix: string; resolve: (line: string) => void }[] = [];
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    proc.on('exit', (code, signal) => {
      resolve({ code, signal });
    });
  });
  proc.stderr.on('data', (chunk: Buffer) => {
    err += chunk.toString('utf8');
  });
  proc.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString('utf8');
    for (const line of out.split('\n').slice(0, -1)) {
      for (const w of waiters.filter((x) => line.startsWith(x.prefix))) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(line);
      }
    }
  });
  cleanups.push(() => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  });
  return {
    proc,
    line(prefix, timeoutMs = 60_000) {
      const seen = out.split('\n').slice(0, -1).find((l) => l.startsWith(prefix));
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(new Error(`child did not print "${prefix}" within ${timeoutMs} ms; stderr:\n${err}`));
        }, timeoutMs);
        void exited.then(({ code, signal }) => {
          clearTimeout(timer);
          reject(new Error(`child exited (code ${String(code)}, signal ${String(signal)}) before "${prefix}"; stderr:\n${err}`));
        });
        waiters.push({
          prefix,
          resolve: (line) => {
            clearTimeout(timer);
            resolve(line);
          },
        });
      });
    },
    exit: () => exited,
    stderr: () => err,
  };
}

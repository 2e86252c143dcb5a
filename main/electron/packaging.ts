import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Build time only (forge.config.ts): which files of the project go into the packaged app. Forge's Vite
 * plugin would ship nothing but .vite/, leaving out the runtime packages the bundles keep external
 * (better-sqlite3, tfjs, zod…). Packager's own pruning would keep them but also electron's downloader
 * dependencies; this keeps exactly the production dependency closure of package.json.
 */

interface Manifest {
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

/**
 * Files of the native TensorFlow packages that must live outside the asar: the addon (lib/napi-v8/
 * tfjs_binding.node, which Forge's auto-unpack-natives plugin unpacks anyway) finds libtensorflow through
 * its rpath ($ORIGIN/../../deps/lib) or, on Windows, beside itself, and the dynamic loader cannot read
 * from inside an asar. The addon uses N-API, so it needs no rebuild for Electron.
 */
export const NATIVE_TENSORFLOW_UNPACK = '**/node_modules/@tensorflow/{tfjs-node,tfjs-node-gpu}/{deps,lib}/**';

/** Never shipped inside the app: the runtime itself. */
const ELECTRON_PACKAGES = new Set(['electron', 'electron-nightly']);

function readManifest(dir: string): Manifest {
  return JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as Manifest;
}

/** Node's lookup: <dir>/node_modules/<name>, then each parent directory up to the project. */
function findPackage(projectDir: string, fromDir: string, name: string): string | null {
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (dir === projectDir || path.dirname(dir) === dir) return null;
  }
}

/**
 * Project-relative, '/'-separated directories of every installed package reachable from the project's
 * dependencies and optionalDependencies (electron excepted). A missing required dependency throws: the
 * package would not run.
 */
export function productionPackageDirs(projectDir: string): Set<string> {
  const root = path.resolve(projectDir);
  const kept = new Set<string>();
  const visit = (fromDir: string, name: string, required: boolean) => {
    const dir = findPackage(root, fromDir, name);
    if (dir === null) {
      if (required) throw new Error(`Cannot package: "${name}" (needed by ${path.relative(root, fromDir) || 'the app'}) is not installed`);
      return;
    }
    const relative = path.relative(root, dir).split(path.sep).join('/');
    if (kept.has(relative)) return;
    kept.add(relative);
    const manifest = readManifest(dir);
    const optional = new Set(Object.keys(manifest.optionalDependencies ?? {}));
    for (const dep of Object.keys(manifest.dependencies ?? {})) visit(dir, dep, !optional.has(dep));
    for (const dep of optional) visit(dir, dep, false);
    // A required peer is installed beside the package and must ship with it; an optional one (i18next's
    // typescript) is a development convenience.
    for (const dep of Object.keys(manifest.peerDependencies ?? {})) if (manifest.peerDependenciesMeta?.[dep]?.optional !== true) visit(dir, dep, false);
  };
  const manifest = readManifest(root);
  const optional = new Set(Object.keys(manifest.optionalDependencies ?? {}));
  for (const dep of Object.keys(manifest.dependencies ?? {})) visit(root, dep, !optional.has(dep));
  for (const dep of optional) if (!ELECTRON_PACKAGES.has(dep)) visit(root, dep, false);
  return kept;
}

/** Build leftovers packager itself would skip: compiler objects and node-gyp's helper bins. */
const BUILD_LEFTOVERS = /(?:\.o|\.obj|\/node_gyp_bins(?:\/.*)?|\/\.bin(?:\/.*)?)$/;
/**
 * Files no package reads at run time: source maps (over 200 MB of tfjs's), type declarations, build info
 * and Markdown. Licences stay.
 */
const NOT_RUNTIME = /\.(?:map|d\.[cm]?ts|tsbuildinfo|md|markdown)$/i;

/**
 * packagerConfig.ignore: keep package.json, the Vite output (.vite/) and the production packages;
 * ignore everything else. `file` is project-relative with a leading '/', as packager passes it.
 */
export function createPackagerIgnore(projectDir: string): (file: string) => boolean {
  let packages: Set<string> | null = null;
  let ancestors: Set<string> | null = null;
  return (file) => {
    if (file === '' || file === '/package.json') return false;
    if (file === '/.vite' || file.startsWith('/.vite/')) return false;
    if (file !== '/node_modules' && !file.startsWith('/node_modules/')) return true;
    if (BUILD_LEFTOVERS.test(file) || NOT_RUNTIME.test(file)) return true;
    if (packages === null || ancestors === null) {
      packages = productionPackageDirs(projectDir);
      ancestors = new Set(['node_modules']);
      for (const dir of packages) {
        const parts = dir.split('/');
        for (let i = 1; i < parts.length; i++) ancestors.add(parts.slice(0, i).join('/'));
      }
    }
    const relative = file.slice(1);
    // A directory on the way to a kept package (node_modules, @scope, a/node_modules) is kept, not its other contents.
    if (ancestors.has(relative)) return false;
    const parts = relative.split('/');
    for (let i = 2; i <= parts.length; i++) if (packages.has(parts.slice(0, i).join('/'))) return false;
    return true;
  };
}

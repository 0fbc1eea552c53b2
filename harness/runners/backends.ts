/**
 * Which backend a run would use here, without loading tfjs (for `plan` and for deciding whether a
 * stored run is stale: design.md "Manifests"). The trainer picks the first backend of the
 * manifest's preference that initialises; this guess takes the first whose package is installed,
 * or the --backend override. The two differ only when an installed backend fails to initialise
 * (tfjs-node-gpu without a GPU), and then the trainer reports what it really used.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { ADDON_PATH } from '../../trainers/backends/native/addon.ts';
import type { BackendName } from '../../trainers/run-manifest.ts';

const require = createRequire(import.meta.url);

/** The npm package of each tfjs backend; native is this project's addon (native/), found by file. */
export const BACKEND_PACKAGES: Readonly<Record<Exclude<BackendName, 'native'>, string>> = Object.freeze({
  'tfjs-node-gpu': '@tensorflow/tfjs-node-gpu',
  'tfjs-node': '@tensorflow/tfjs-node',
  wasm: '@tensorflow/tfjs-backend-wasm',
  cpu: '@tensorflow/tfjs-backend-cpu',
});

const installed = new Map<BackendName, boolean>();

export function isBackendInstalled(name: BackendName): boolean {
  let known = installed.get(name);
  if (known === undefined) {
    if (name === 'native') {
      known = fs.existsSync(ADDON_PATH);
    } else {
      try {
        require.resolve(`${BACKEND_PACKAGES[name]}/package.json`);
        known = true;
      } catch {
        known = false;
      }
    }
    installed.set(name, known);
  }
  return known;
}

/** The override, else the first installed backend of the preference list; null when none is. */
export function expectedBackend(preference: readonly BackendName[], override: BackendName | null): BackendName | null {
  if (override !== null) return override;
  return preference.find((name) => isBackendInstalled(name)) ?? null;
}

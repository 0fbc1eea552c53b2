/**
 * The fmnist-lenet300 suites (manifests/fmnist-lenet300/, written by generate.ts): suite-5-seeds.json
 * is suite.json over seeds 0–4 with native first, and nothing else differs, so its verdicts answer
 * the same claims about the same configurations.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadManifestFile } from '../harness/manifest/load.ts';
import { matchesSelector } from '../harness/verify/groups.ts';
import { groupSelectors, leafClaims } from './claim-groups.fixture.ts';

const DIR = path.resolve(fileURLToPath(new URL('../manifests/fmnist-lenet300', import.meta.url)));

describe('the fmnist-lenet300 suites', () => {
  it('suite-5-seeds.json is suite.json with seeds 0–4 and native first, the same claims and configurations', async () => {
    const three = JSON.parse(await readFile(path.join(DIR, 'suite.json'), 'utf8'));
    const five = JSON.parse(await readFile(path.join(DIR, 'suite-5-seeds.json'), 'utf8'));
    expect(five.claims).toEqual(three.claims);
    expect(five.base.backend.preference).toEqual(['tfjs-node-gpu', 'tfjs-node', 'native', 'wasm', 'cpu']);
    expect(three.base.backend.preference).not.toContain('native');
    expect({ ...five.base, backend: null }).toEqual({ ...three.base, backend: null });
    const withoutSeeds = (grid: Record<string, unknown>[]) => grid.map(({ seed: _seed, ...rest }) => rest);
    expect(withoutSeeds(five.grid)).toEqual(withoutSeeds(three.grid));
    for (const block of five.grid) expect(block.seed).toEqual([0, 1, 2, 3, 4]);
    expect(five.tolerancePolicy).toContain('over 5 seeds');
  });

  it('every claim group of the 5-seed suite selects the five seeds of one configuration', async () => {
    const three = await loadManifestFile(path.join(DIR, 'suite.json'));
    const five = await loadManifestFile(path.join(DIR, 'suite-5-seeds.json'));
    expect(three.runs).toHaveLength(93);
    expect(five.runs).toHaveLength(155);
    for (const claim of leafClaims(five.claims)) {
      for (const selector of groupSelectors(claim)) {
        const seeds = five.runs.filter((r) => matchesSelector(r.axes, selector)).map((r) => r.axes.seed);
        expect(seeds, `${claim.id} ${JSON.stringify(selector)}`).toEqual([0, 1, 2, 3, 4]);
      }
    }
  });
});

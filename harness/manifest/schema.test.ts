import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { Ajv } from 'ajv';
import { METHOD_IDS as REGISTRY_METHOD_IDS, METHODS } from '../../trainers/methods/registry.ts';
import { METHOD_IDS, METHOD_SPARSITY_USE } from './known-names.ts';
import { loadManifestFile } from './load.ts';
import { manifestFileSchema } from './schema.ts';
import { SCHEMA_FILE, schemaFileText } from './write-schema.ts';
import { runFile, suiteFile } from './test-fixtures.ts';

describe('the exported JSON Schema', () => {
  it('is current: manifests/manifest.schema.json equals what `npm run schema` generates', async () => {
    expect(await readFile(SCHEMA_FILE, 'utf8')).toBe(schemaFileText());
  });

  it('validates manifests in a plain draft-07 validator (as editors use it)', () => {
    // No discriminator support, no harness code: just the file's JSON Schema.
    const plain = new Ajv({ allErrors: true, strict: false });
    const validate = plain.compile(JSON.parse(schemaFileText()) as object);
    expect(validate(runFile())).toBe(true);
    expect(validate(suiteFile())).toBe(true);
    const bad = runFile() as unknown as { run: { method: { name: string } } };
    bad.run.method.name = 'rigl3';
    expect(validate(bad)).toBe(false);
  });

  it('lists one method branch per method of trainers/methods/registry.ts, in registry order', () => {
    expect([...METHOD_IDS]).toEqual([...REGISTRY_METHOD_IDS]);
    // What validate requires of `sparsity` is what each method's definition says it needs.
    expect(METHOD_SPARSITY_USE).toEqual(Object.fromEntries(REGISTRY_METHOD_IDS.map((id) => [id, METHODS[id].sparsity])));
    const { definitions } = manifestFileSchema as unknown as { definitions: { method: { oneOf: { properties: { name: { const: string } } }[] } } };
    const names = definitions.method.oneOf.map((b) => b.properties.name.const);
    expect(names).toEqual([...REGISTRY_METHOD_IDS]);
  });

  it('accepts the shipped examples', async () => {
    const run = await loadManifestFile('manifests/examples/run.json');
    const suite = await loadManifestFile('manifests/examples/suite.json');
    expect(run.runs).toHaveLength(1);
    expect(suite.runs).toHaveLength(10);
    // The same run in both files has the same id: it is trained and stored once.
    expect(suite.runs.map((r) => r.runId)).toContain(run.runs[0]!.runId);
  });
});

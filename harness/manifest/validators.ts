/**
 * The compiled validators (one ajv instance; compiled once, on first use).
 */
import { Ajv, type ValidateFunction } from 'ajv';
import { manifestFileSchema, runManifestInputFileSchema } from './schema.ts';
import type { ManifestFile, RunManifestInput } from './types.ts';

let compiled: { file: ValidateFunction<ManifestFile>; run: ValidateFunction<RunManifestInput> } | null = null;

export function validators(): { file: ValidateFunction<ManifestFile>; run: ValidateFunction<RunManifestInput> } {
  if (compiled === null) {
    // allErrors: report every problem at once; verbose: errors carry the data and schema, which
    // the messages quote; discriminator: tagged unions check only the named branch.
    const ajv = new Ajv({ allErrors: true, verbose: true, discriminator: true, strictTypes: true, allowUnionTypes: true });
    compiled = { file: ajv.compile<ManifestFile>(manifestFileSchema), run: ajv.compile<RunManifestInput>(runManifestInputFileSchema) };
  }
  return compiled;
}

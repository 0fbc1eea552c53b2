/**
 * The compiled validators: one ajv instance, the file schema added once (its definitions are
 * compiled once and shared), on first use.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import { InternalError } from '../errors.ts';
import { RUN_MANIFEST_INPUT_POINTER, manifestFileSchema } from './schema.ts';
import type { ManifestFile, RunManifestInput } from './types.ts';

const KEY = 'rigl-harness-manifest';

let compiled: { file: ValidateFunction<ManifestFile>; run: ValidateFunction<RunManifestInput> } | null = null;

export function validators(): { file: ValidateFunction<ManifestFile>; run: ValidateFunction<RunManifestInput> } {
  if (compiled === null) {
    // allErrors: report every problem at once; verbose: errors carry the data and schema, which
    // the messages quote; discriminator: tagged unions check only the named branch.
    const ajv = new Ajv({ allErrors: true, verbose: true, discriminator: true, strictTypes: true, allowUnionTypes: true });
    ajv.addSchema(manifestFileSchema, KEY);
    const file = ajv.getSchema<ManifestFile>(KEY);
    const run = ajv.getSchema<RunManifestInput>(`${KEY}${RUN_MANIFEST_INPUT_POINTER}`);
    if (file === undefined || run === undefined) throw new InternalError('the manifest schema did not compile');
    compiled = { file, run };
  }
  return compiled;
}

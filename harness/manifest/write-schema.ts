/**
 * `npm run schema`: writes manifests/manifest.schema.json from the TypeScript schema (schema.ts),
 * so editors validate manifests as people type. A test checks the committed file is current.
 */
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { manifestFileSchema } from './schema.ts';

export const SCHEMA_FILE = fileURLToPath(new URL('../../manifests/manifest.schema.json', import.meta.url));

/** The exported file's exact text. */
export function schemaFileText(): string {
  return `${JSON.stringify(manifestFileSchema, null, 2)}\n`;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  await writeFile(SCHEMA_FILE, schemaFileText());
  process.stderr.write(`wrote ${SCHEMA_FILE}\n`);
}

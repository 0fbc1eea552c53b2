/**
 * Writes the report's suites (suites.ts) as JSON: the files are the data, this only keeps them
 * consistent with one another and with the tolerance policy. Regenerate with
 *   node --import tsx manifests/rigl-report/generate.ts [OUT_DIR]
 * (OUT_DIR defaults to this folder; test/report-suites.test.ts checks the committed files match).
 */
import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { reportSuites, suiteJson } from './suites.ts';

const outDir = resolve(process.argv[2] ?? dirname(fileURLToPath(import.meta.url)));
for (const [name, file] of reportSuites()) {
  writeFileSync(join(outDir, name), suiteJson(file));
  console.log(`wrote ${join(outDir, name)}: ${file.grid.length} grid blocks, ${file.claims.length} claims`);
}

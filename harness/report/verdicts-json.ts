/**
 * Verdicts as a JSON document (the report's verdicts.json; `verify --json` may print the same).
 * JSON has no ∞ or NaN, and JSON.stringify would silently write null for them (a t statistic is
 * ±∞ when both groups have zero variance), so non-finite numbers are written as the strings
 * "Infinity", "-Infinity" and "NaN".
 */
import { exitCodeForVerdicts } from '../verify/evaluate.ts';
import type { ClaimVerdict } from '../verify/types.ts';
import { countVerdicts } from './terminal-table.ts';

export const VERDICTS_JSON_SCHEMA_VERSION = 1 as const;

export interface VerdictsDocumentMeta {
  title: string;
  suiteFile: string;
  generatedBy: string;
  toolVersion: string;
  machine: string;
}

function replaceNonFinite(_key: string, value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) {
    return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
  }
  return value;
}

export function verdictsToJson(verdicts: readonly ClaimVerdict[], meta: VerdictsDocumentMeta): string {
  const document = {
    schemaVersion: VERDICTS_JSON_SCHEMA_VERSION,
    ...meta,
    exitCode: exitCodeForVerdicts(verdicts),
    counts: countVerdicts(verdicts),
    verdicts,
  };
  return `${JSON.stringify(document, replaceNonFinite, 2)}\n`;
}

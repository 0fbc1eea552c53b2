/**
 * What a report is made from, and what it returns.
 */
import type { Claim } from '../manifest/types.ts';
import type { ClaimVerdict, RunRecord } from '../verify/types.ts';

export interface ReportInput {
  title: string;
  /** The suite (or run) file the claims come from, as the user named it. */
  suiteFile: string;
  claims: Claim[];
  verdicts: ClaimVerdict[];
  runs: RunRecord[];
  /** The command that regenerates this report, e.g. "npx rigl-harness report manifests/x.json --out reports/x". */
  generatedBy: string;
  /** How the suite's tolerances were chosen (SuiteFile.tolerancePolicy). */
  tolerancePolicy?: string;
  toolVersion: string;
  /** The machine the report was made on, e.g. "linux x64, 2 × Intel Xeon, Node v20.19.0". */
  machine: string;
}

export interface RenderedReport {
  markdown: string;
  /** One self-contained page: inline CSS and SVG, no scripts, fonts or external requests. */
  html: string;
  /** The per-configuration table. */
  csv: string;
  /** The verdicts with the report's metadata, as JSON (verdicts-json.ts). */
  verdictsJson: string;
}

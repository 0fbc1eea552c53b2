/**
 * Public surface of reports: `renderReport` for `report`, `renderVerdictTable` for `verify`, and
 * `verdictsToJson` for `--json`.
 */
export { renderReport } from './render-report.ts';
export type { RenderedReport, ReportInput } from './report-input.ts';
export { countVerdicts, renderVerdictTable } from './terminal-table.ts';
export { verdictsToJson, VERDICTS_JSON_SCHEMA_VERSION, type VerdictsDocumentMeta } from './verdicts-json.ts';
export { groupConfigurations, type ConfigurationRow } from './configurations.ts';
export { learningCurves, type LearningCurves } from './learning-curves.ts';

/**
 * A report from claims, verdicts and runs (design.md "Command line": `report FILE --out DIR`):
 * Markdown, a self-contained HTML page with SVG plots, the per-configuration table as CSV, and
 * the verdicts as JSON. Pure: the same input always renders the same bytes; writing the files is
 * the caller's job.
 */
import { groupConfigurations } from './configurations.ts';
import { renderConfigurationCsv } from './render-csv.ts';
import { renderHtml } from './render-html.ts';
import { renderMarkdown } from './render-markdown.ts';
import type { RenderedReport, ReportInput } from './report-input.ts';
import { verdictsToJson } from './verdicts-json.ts';

export function renderReport(input: ReportInput): RenderedReport {
  const configurations = groupConfigurations(input.runs);
  return {
    markdown: renderMarkdown(input, configurations),
    html: renderHtml(input, configurations),
    csv: renderConfigurationCsv(configurations),
    verdictsJson: verdictsToJson(input.verdicts, {
      title: input.title,
      suiteFile: input.suiteFile,
      generatedBy: input.generatedBy,
      toolVersion: input.toolVersion,
      machine: input.machine,
    }),
  };
}

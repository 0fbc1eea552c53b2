/**
 * The per-configuration table as CSV (RFC 4180 quoting, '\n' line ends): one row per
 * configuration (runs grouped by every axis except seed), full-precision numbers, empty cells
 * where a statistic is undefined (no runs, or a std of one run).
 */
import { configurationAxisNames, type ConfigurationRow, type SeedStatistic } from './configurations.ts';
import { csvRow } from './escape.ts';

const STATISTICS = [
  ['testAccuracy', (r: ConfigurationRow) => r.testAccuracy],
  ['bestTestAccuracy', (r: ConfigurationRow) => r.bestTestAccuracy],
  ['finalTrainLoss', (r: ConfigurationRow) => r.finalTrainLoss],
  ['trainFlopsMultiplier', (r: ConfigurationRow) => r.trainMultiplier],
  ['inferenceFlopsMultiplier', (r: ConfigurationRow) => r.inferenceMultiplier],
  ['measuredSparsity', (r: ConfigurationRow) => r.measuredSparsity],
] as const;

export function renderConfigurationCsv(rows: readonly ConfigurationRow[]): string {
  const axes = configurationAxisNames(rows);
  const header = [
    ...axes,
    'runs',
    'aborted',
    ...STATISTICS.flatMap(([name]) => [`${name}Mean`, `${name}Std`]),
    'runIds',
  ];
  const lines = [csvRow(header)];
  for (const row of rows) {
    const cells: (string | number | null)[] = [
      ...axes.map((a) => row.axes[a] ?? null),
      row.runIds.length,
      row.abortedRunIds.length,
      ...STATISTICS.flatMap(([, pick]) => {
        const s: SeedStatistic = pick(row);
        return [s.mean, s.std];
      }),
      row.runIds.join(' '),
    ];
    lines.push(csvRow(cells));
  }
  return `${lines.join('\n')}\n`;
}

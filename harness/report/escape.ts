/**
 * Escaping text for the three output formats. Everything that reaches a report from a manifest,
 * a summary or an event (titles, claim ids, descriptions, axis values, paper names) goes through
 * one of these.
 */

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text for HTML element content and (double- or single-quoted) attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] as string);
}

/**
 * An HTML id (and URL fragment) for any string, injective: letters, digits, '_' and '-' stay,
 * every other code point becomes '.' + its hex code + '.', so "H3 a" → "H3.20.a".
 */
export function anchorId(prefix: string, key: string): string {
  const encoded = Array.from(key, (c) =>
    /[A-Za-z0-9_-]/.test(c) ? c : `.${(c.codePointAt(0) as number).toString(16)}.`,
  ).join('');
  return `${prefix}-${encoded}`;
}

/**
 * A Markdown table cell: pipes and backslashes escaped, line breaks folded to spaces, and '<'
 * written as an entity so no renderer treats text as raw HTML.
 */
export function escapeMarkdownCell(text: string): string {
  return escapeMarkdownText(text).replace(/\|/g, '\\|');
}

/** Markdown running text: backslashes, '<', and leading markers that would start a block. */
export function escapeMarkdownText(text: string): string {
  return text
    .replace(/\\/g, '\\\\')
    .replace(/</g, '&lt;')
    .replace(/[*_`[\]]/g, (c) => `\\${c}`)
    .replace(/\r\n|\r|\n/g, ' ');
}

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, a double quote, a line break or
 * leading/trailing spaces; inner quotes doubled.
 */
export function csvField(value: string | number | null): string {
  if (value === null) return '';
  const text = typeof value === 'number' ? csvNumber(value) : value;
  if (/[",\r\n]/.test(text) || text !== text.trim()) return `"${text.replace(/"/g, '""')}"`;
  return text;
}

/** Numbers in CSV keep full precision (the shortest round-tripping form); non-finite spelled out. */
function csvNumber(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  return String(value);
}

/** One CSV record, without the line terminator. */
export function csvRow(values: readonly (string | number | null)[]): string {
  return values.map(csvField).join(',');
}

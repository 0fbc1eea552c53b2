/**
 * A YAML writer for plain data (objects, arrays, strings, finite numbers, booleans, null), enough
 * for the Kubernetes objects `k8s` prints. It lives here, not in a dependency, because `k8s` runs
 * from the production install (`npm ci --omit=dev`) where the `yaml` package (a dev dependency, used
 * by the tests to parse this output back) is absent.
 *
 * Strings are written plain only when no YAML 1.1 or 1.2 reader can take them for anything else
 * (kubectl reads YAML 1.1 through sigs.k8s.io/yaml: `yes`, `on`, `0.9`, `1_000` are not strings
 * there); multi-line strings as literal blocks; everything else double-quoted with JSON escapes,
 * which YAML's double-quoted style shares.
 */
import { InternalError } from '../errors.ts';

/** Words YAML 1.1 or 1.2 reads as booleans or null, in any case. */
const RESERVED = new Set(['y', 'n', 'yes', 'no', 'on', 'off', 'true', 'false', 'null', '~']);

/**
 * Plain scalars: a letter, `_`, `/` or `$` first (so never a number, a date, `.inf`, or an
 * indicator such as `-`, `?`, `:`, `#`, `&`, `*`, `!`, `|`, `>`, `'`, `"`, `%`, `@`, backquote),
 * then no space, no `#`, and no `:` before a space or the end.
 */
const PLAIN = /^[A-Za-z_/$][A-Za-z0-9_./:=,@+$()%-]*$/;

function isPlainSafe(text: string): boolean {
  return PLAIN.test(text) && !RESERVED.has(text.toLowerCase()) && !/:$/.test(text);
}

/** JSON's escapes, plus the characters YAML treats as line breaks or forbids unescaped. */
function quoted(text: string): string {
  return JSON.stringify(text).replace(/[\u007f-\u009f\u2028\u2029\ufeff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * A literal block (`|` keeps the one final newline, `|-` has none) when every line is printable,
 * free of trailing blanks, and the first non-empty line does not start with a blank (which would
 * need an indentation indicator).
 */
function literalBlock(text: string, indent: string): string | null {
  if (!text.includes('\n') || /[^\n\x20-\x7e\u00a0-\ud7ff\ue000-\ufffd]|[\u2028\u2029\ufeff]/.test(text)) return null;
  const body = text.endsWith('\n') ? text.slice(0, -1) : text;
  if (body.endsWith('\n') || body === '') return null;
  const lines = body.split('\n');
  // The first non-empty line sets the block's indentation, so it must not start with a blank.
  if (lines.find((line) => line !== '')?.startsWith(' ') !== false || lines.some((line) => line.endsWith(' '))) return null;
  const header = text.endsWith('\n') ? '|' : '|-';
  return [header, ...lines.map((line) => (line === '' ? '' : `${indent}${line}`))].join('\n');
}

function scalar(value: unknown, indent: string, where: string): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return String(value);
    case 'number':
      if (!Number.isFinite(value)) throw new InternalError(`toYaml: ${where} is ${value}, which the Kubernetes API cannot carry`);
      return String(value);
    case 'string':
      return isPlainSafe(value) ? value : (literalBlock(value, indent) ?? quoted(value));
    default:
      throw new InternalError(`toYaml: ${where} is a ${typeof value}; only plain data can be written`);
  }
}

function key(name: string): string {
  return isPlainSafe(name) ? name : quoted(name);
}

function isCollection(value: unknown): value is Record<string, unknown> | unknown[] {
  return typeof value === 'object' && value !== null;
}

/** A mapping's entries as JSON keeps them (undefined values left out), or a sequence's items. */
function entriesOf(value: Record<string, unknown> | unknown[]): [string | null, unknown][] {
  return Array.isArray(value) ? value.map((v) => [null, v]) : Object.entries(value).filter(([, v]) => v !== undefined);
}

function isEmptyCollection(value: Record<string, unknown> | unknown[]): boolean {
  return entriesOf(value).length === 0;
}

/** Lines of `value` (a collection) at `indent`; `where` names it in errors. */
function block(value: Record<string, unknown> | unknown[], indent: string, where: string): string[] {
  const lines: string[] = [];
  for (const [i, [name, item]] of entriesOf(value).entries()) {
    const itemWhere = name === null ? `${where}[${i}]` : `${where}.${name}`;
    const lead = name === null ? `${indent}- ` : `${indent}${key(name)}:`;
    if (isCollection(item) && !isEmptyCollection(item)) {
      if (name === null) {
        // A sequence item's first line shares the "- " line; the rest align under it.
        const inner = block(item, `${indent}  `, itemWhere);
        lines.push(`${lead}${inner[0]!.slice(indent.length + 2)}`, ...inner.slice(1));
      } else {
        lines.push(lead, ...block(item, Array.isArray(item) ? indent : `${indent}  `, itemWhere));
      }
    } else {
      const text = isCollection(item) ? (Array.isArray(item) ? '[]' : '{}') : scalar(item, `${indent}  `, itemWhere);
      lines.push(name === null ? `${lead}${text}` : `${lead} ${text}`);
    }
  }
  return lines;
}

/** `value` as a YAML document (block style, keys in insertion order), ending with a newline. */
export function toYaml(value: unknown): string {
  if (!isCollection(value)) return `${scalar(value, '', '(document)')}\n`;
  if (isEmptyCollection(value)) return `${Array.isArray(value) ? '[]' : '{}'}\n`;
  return `${block(value, '', '(document)').join('\n')}\n`;
}

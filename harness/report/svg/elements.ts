/**
 * Building SVG markup as strings. Every attribute value and text node is escaped here, so plot
 * code never concatenates raw user text into markup.
 */
import { escapeHtml } from '../escape.ts';

export type Attributes = Record<string, string | number | null | undefined>;

/** Coordinates with at most 2 decimals (sub-pixel precision is noise in a 640-px plot). */
export function coord(value: number): string {
  return String(Math.round(value * 100) / 100);
}

function attributes(attrs: Attributes): string {
  return Object.entries(attrs)
    .filter((entry): entry is [string, string | number] => entry[1] !== null && entry[1] !== undefined)
    .map(([name, value]) => ` ${name}="${escapeHtml(typeof value === 'number' ? coord(value) : value)}"`)
    .join('');
}

/** An element with children (already markup) or none. */
export function element(tag: string, attrs: Attributes, children: string | null = null): string {
  return children === null ? `<${tag}${attributes(attrs)}/>` : `<${tag}${attributes(attrs)}>${children}</${tag}>`;
}

/** A text element; `content` is plain text and is escaped. */
export function text(x: number, y: number, content: string, attrs: Attributes = {}): string {
  return element('text', { x, y, ...attrs }, escapeHtml(content));
}

/** A <title> child: the tooltip a browser shows on hover. */
export function title(content: string): string {
  return element('title', {}, escapeHtml(content));
}

/** A polyline path "M x0 y0 L x1 y1 ..." through the points. */
export function polylinePath(points: readonly [number, number][]): string {
  return points.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${coord(x)} ${coord(y)}`).join(' ');
}

/** A vertical error bar from y0 to y1 at x, with caps of half-width `cap`. */
export function verticalErrorBarPath(x: number, y0: number, y1: number, cap = 4): string {
  return (
    `M${coord(x)} ${coord(y0)} L${coord(x)} ${coord(y1)} ` +
    `M${coord(x - cap)} ${coord(y0)} L${coord(x + cap)} ${coord(y0)} ` +
    `M${coord(x - cap)} ${coord(y1)} L${coord(x + cap)} ${coord(y1)}`
  );
}

/** A horizontal error bar from x0 to x1 at y, with caps. */
export function horizontalErrorBarPath(y: number, x0: number, x1: number, cap = 4): string {
  return (
    `M${coord(x0)} ${coord(y)} L${coord(x1)} ${coord(y)} ` +
    `M${coord(x0)} ${coord(y - cap)} L${coord(x0)} ${coord(y + cap)} ` +
    `M${coord(x1)} ${coord(y - cap)} L${coord(x1)} ${coord(y + cap)}`
  );
}

/** A diamond marker centred on (x, y). */
export function diamondPath(x: number, y: number, r = 6): string {
  return `M${coord(x)} ${coord(y - r)} L${coord(x + r)} ${coord(y)} L${coord(x)} ${coord(y + r)} L${coord(x - r)} ${coord(y)} Z`;
}

/** Colour-blind-safe palette (Okabe & Ito 2008), yellow left out for contrast on white. */
export const PALETTE = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000'] as const;

export function paletteColor(index: number): string {
  return PALETTE[index % PALETTE.length] as string;
}

/** Colours of the three verdicts, used by every plot and table. */
export const VERDICT_COLORS = { verified: '#009E73', failed: '#D55E00', inconclusive: '#E69F00' } as const;

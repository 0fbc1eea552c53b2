/**
 * The frame every plot shares: an <svg> with a viewBox, a white background, x and y axes with
 * nice ticks and labels, and the scales that map data into the plot area.
 */
import { formatNumber } from '../../verify/format-number.ts';
import { coord, element, text, title as titleElement } from './elements.ts';
import { linearScale, niceTicks, type LinearScale } from './scale.ts';

export interface FrameOptions {
  /** Value of the svg's data-plot attribute (what the browser test looks for). */
  plot: string;
  /** Plot title, inside the SVG (also its accessible name). */
  title: string;
  width: number;
  height: number;
  xDomain: [number, number];
  yDomain: [number, number];
  xLabel: string;
  yLabel: string;
  /** Extra attributes on the <svg> (e.g. data-run). */
  attributes?: Record<string, string>;
  /** Right margin in px (room for a legend or a second axis). */
  marginRight?: number;
  /** Draw y ticks and grid lines (default true; a forest plot's rows have none). */
  yTicks?: boolean;
}

export interface Frame {
  x: LinearScale;
  y: LinearScale;
  /** Inner plot area in px. */
  left: number;
  right: number;
  top: number;
  bottom: number;
  /** Wraps the plot's content in the svg with axes and title. */
  wrap(content: string): string;
}

const MARGIN = { left: 64, top: 34, bottom: 48 };

export function plotFrame(options: FrameOptions): Frame {
  const left = MARGIN.left;
  const right = options.width - (options.marginRight ?? 20);
  const top = MARGIN.top;
  const bottom = options.height - MARGIN.bottom;
  const x = linearScale(options.xDomain, [left, right]);
  const y = linearScale(options.yDomain, [bottom, top]);
  const axes = [
    element('rect', { x: 0, y: 0, width: options.width, height: options.height, fill: '#ffffff' }),
    ...niceTicks(options.xDomain[0], options.xDomain[1], 6).map(
      (t) =>
        element('path', { d: `M${coord(x(t))} ${top} L${coord(x(t))} ${bottom}`, class: 'grid' }) +
        text(x(t), bottom + 16, formatNumber(t), { 'text-anchor': 'middle', class: 'tick' }),
    ),
    ...(options.yTicks === false ? [] : niceTicks(options.yDomain[0], options.yDomain[1], 5)).map(
      (t) =>
        element('path', { d: `M${left} ${coord(y(t))} L${coord(right)} ${coord(y(t))}`, class: 'grid' }) +
        text(left - 6, y(t) + 4, formatNumber(t), { 'text-anchor': 'end', class: 'tick' }),
    ),
    element('path', { d: `M${left} ${top} L${left} ${bottom} L${right} ${bottom}`, class: 'axis' }),
    text((left + right) / 2, options.height - 10, options.xLabel, { 'text-anchor': 'middle', class: 'label' }),
    text(14, (top + bottom) / 2, options.yLabel, {
      'text-anchor': 'middle',
      class: 'label',
      transform: `rotate(-90 14 ${(top + bottom) / 2})`,
    }),
    text(left, 20, options.title, { class: 'plot-title' }),
  ].join('');
  return {
    x,
    y,
    left,
    right,
    top,
    bottom,
    wrap(content: string): string {
      return element(
        'svg',
        {
          xmlns: 'http://www.w3.org/2000/svg',
          'data-plot': options.plot,
          viewBox: `0 0 ${options.width} ${options.height}`,
          width: options.width,
          height: options.height,
          role: 'img',
          'aria-label': options.title,
          ...options.attributes,
        },
        titleElement(options.title) + axes + content,
      );
    },
  };
}

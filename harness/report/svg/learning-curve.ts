/**
 * Plot: one run's learning curves: test accuracy per epoch (left axis, a line with a dot per
 * epoch) and training loss per epoch (right axis, dashed line).
 */
import { formatNumber } from '../../verify/format-number.ts';
import type { LearningCurves } from '../learning-curves.ts';
import { coord, element, polylinePath, text, title } from './elements.ts';
import { plotFrame } from './frame.ts';
import { linearScale, niceTicks, paddedExtent } from './scale.ts';

const ACCURACY_COLOR = '#0072B2';
const LOSS_COLOR = '#D55E00';

export function learningCurvePlot(runId: string, curves: LearningCurves): string {
  const epochs = [...curves.testAccuracy, ...curves.trainLoss].map((p) => p.epoch);
  const frame = plotFrame({
    plot: 'learning-curve',
    title: `Run ${runId}`,
    width: 520,
    height: 260,
    xDomain: paddedExtent(epochs.length > 0 ? epochs : [0, 1], 0.04),
    yDomain: paddedExtent(curves.testAccuracy.map((p) => p.value), 0.1),
    xLabel: 'epoch',
    yLabel: 'test accuracy (%)',
    attributes: { 'data-run': runId },
    marginRight: 60,
  });
  const { x, y } = frame;
  const parts: string[] = [];
  if (curves.trainLoss.length > 0) {
    const lossScale = linearScale(paddedExtent(curves.trainLoss.map((p) => p.value), 0.1), [frame.bottom, frame.top]);
    for (const t of niceTicks(lossScale.domain[0], lossScale.domain[1], 5)) {
      parts.push(text(frame.right + 6, lossScale(t) + 4, formatNumber(t), { class: 'tick loss-tick' }));
    }
    parts.push(element('path', { d: `M${coord(frame.right)} ${coord(frame.top)} L${coord(frame.right)} ${coord(frame.bottom)}`, class: 'axis' }));
    parts.push(text(frame.right + 46, (frame.top + frame.bottom) / 2, 'train loss', {
      'text-anchor': 'middle',
      class: 'label',
      transform: `rotate(90 ${frame.right + 46} ${(frame.top + frame.bottom) / 2})`,
    }));
    parts.push(element('path', { d: polylinePath(curves.trainLoss.map((p) => [x(p.epoch), lossScale(p.value)])), class: 'curve-loss', stroke: LOSS_COLOR }));
  }
  if (curves.testAccuracy.length > 0) {
    parts.push(element('path', { d: polylinePath(curves.testAccuracy.map((p) => [x(p.epoch), y(p.value)])), class: 'curve-accuracy', stroke: ACCURACY_COLOR }));
    for (const p of curves.testAccuracy) {
      parts.push(element('circle', { cx: x(p.epoch), cy: y(p.value), r: 3, class: 'point', fill: ACCURACY_COLOR }, title(`epoch ${p.epoch}: ${formatNumber(p.value)} %`)));
    }
  } else {
    parts.push(text((frame.left + frame.right) / 2, (frame.top + frame.bottom) / 2, 'no eval_accuracy events', { 'text-anchor': 'middle', class: 'empty' }));
  }
  // Legend in the title row, right-aligned, so it never covers a curve; only curves drawn.
  const lx = frame.right - 190;
  const ly = 16;
  if (curves.testAccuracy.length > 0) {
    parts.push(element('path', { d: `M${coord(lx)} ${ly} L${coord(lx + 18)} ${ly}`, class: 'curve-accuracy legend-swatch', stroke: ACCURACY_COLOR }));
    parts.push(text(lx + 22, ly + 4, 'test accuracy', { class: 'legend' }));
  }
  if (curves.trainLoss.length > 0) {
    parts.push(element('path', { d: `M${coord(lx + 110)} ${ly} L${coord(lx + 128)} ${ly}`, class: 'curve-loss legend-swatch', stroke: LOSS_COLOR }));
    parts.push(text(lx + 132, ly + 4, 'train loss', { class: 'legend' }));
  }
  return frame.wrap(parts.join(''));
}

/**
 * The controller of every drop-and-grow method (SET, RigL, RigL-SG, RigL-SM, SNFS): the update
 * cadence and drop fraction of the manifest's MaskUpdateSchedule, the method's policy (count rule,
 * grow score, gradient needs, slot policy), and the shared drop-and-grow of mask-update.ts.
 */
import { resolveUpdateEnd, makeDropFraction, makeUpdateCadence, type DropFraction, type UpdateCadence } from '../sparsity/schedules.ts';
import type { MaskUpdateSchedule } from '../run-manifest.ts';
import { TrainerInvariantError } from '../errors.ts';
import { MaskedController, countActive, type MaskedControllerOptions, type MaskedLayerView } from './masked-controller.ts';
import { selectDropAndGrow, type MaskChange, type SlotPolicy } from './mask-update.ts';
import type { CountRule } from './redistribution.ts';
import type { LayerUpdateCounts, MaskUpdateInput, MaskUpdateReport } from './types.ts';

export interface DropGrowPolicy {
  countRule: CountRule;
  /** Scores over a whole layer; the largest among inactive-after-drop entries are grown. */
  growScores(layer: MaskedLayerView, input: MaskUpdateInput): ArrayLike<number>;
  /** When the loop must compute the dense gradient (FLOP accounting follows it). */
  denseGradient: 'never' | 'update-steps' | 'every-step';
  denseMomentum: boolean;
  slotPolicy: SlotPolicy;
}

export class DropGrowController extends MaskedController {
  private readonly cadence: UpdateCadence;
  private readonly dropFraction: DropFraction;

  constructor(
    options: Omit<MaskedControllerOptions, 'replacesOptimizerStep' | 'denseMomentum'>,
    schedule: MaskUpdateSchedule,
    totalSteps: number,
    private readonly policy: DropGrowPolicy,
  ) {
    super({ ...options, replacesOptimizerStep: schedule.replacesOptimizerStep, denseMomentum: policy.denseMomentum });
    const endStep = resolveUpdateEnd(schedule.end, totalSteps);
    this.cadence = makeUpdateCadence(schedule.intervalSteps, endStep, schedule.stepConvention);
    this.dropFraction = makeDropFraction(schedule.dropFraction, endStep);
  }

  override isUpdateStep(step: number): boolean {
    return this.cadence.isUpdateStep(step);
  }

  override needsDenseGradient(step: number): boolean {
    switch (this.policy.denseGradient) {
      case 'never':
        return false;
      case 'every-step':
        return true;
      case 'update-steps':
        return this.cadence.isUpdateStep(step);
    }
  }

  override update(input: MaskUpdateInput): MaskUpdateReport {
    if (!this.isUpdateStep(input.step)) return super.update(input);
    const fraction = this.dropFraction.at(input.step);
    const layers = this.maskedLayers();
    const counts = this.policy.countRule.counts(layers, fraction, input);
    if (counts.length !== layers.length) {
      throw new TrainerInvariantError(`count rule returned ${counts.length} entries for ${layers.length} masked layers`);
    }
    const changes: MaskChange[] = [];
    const reports: LayerUpdateCounts[] = [];
    let activeAfter = 0;
    layers.forEach((layer, l) => {
      const { drop, grow } = counts[l]!;
      if (drop === 0 && grow === 0) {
        reports.push({ name: layer.name, dropped: 0, grown: 0, active: layer.activeCount });
        activeAfter += layer.activeCount;
        return;
      }
      const weight = input.weights.get(layer.name);
      if (weight === undefined) throw new TrainerInvariantError(`no weight for masked layer '${layer.name}' at step ${input.step}`);
      const selection = selectDropAndGrow({
        layer: layer.name,
        mask: layer.mask,
        weights: weight.dataSync(),
        growScores: grow > 0 ? this.policy.growScores(layer, input) : null,
        dropCount: drop,
        growCount: grow,
      });
      changes.push({ name: layer.name, before: layer.mask, after: selection.mask });
      const active = countActive(selection.mask);
      activeAfter += active;
      reports.push({ name: layer.name, dropped: selection.dropped.length, grown: selection.grown.length, active });
    });
    this.commitMaskChanges(changes, input, this.policy.slotPolicy);
    this.policy.countRule.afterUpdate(activeAfter);
    return { step: input.step, fraction, layers: reports };
  }

  protected override methodState(): unknown {
    return { countRule: this.policy.countRule.state() };
  }

  protected override restoreMethodState(json: unknown): void {
    const state = (json ?? {}) as { countRule?: unknown };
    this.policy.countRule.restore(state.countRule ?? null);
  }
}

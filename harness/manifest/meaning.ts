/**
 * Checks a schema cannot express, on a resolved run manifest. Pointers are relative to the run.
 * Layer names in distributions are checked by the trainer, which knows the model's layers.
 */
import type { RunManifest } from '../../trainers/run-manifest.ts';
import type { RawIssue } from './schema-messages.ts';
import { describeValue } from './schema-messages.ts';
import { METHOD_SPARSITY_USE } from './known-names.ts';

/** Methods that train a sparse mask from the start and so need a target and a distribution. */

/** Why a relative path may not be used inside a data or store root, or null when it may. */
export function unsafeRelativePathReason(path: string): string | null {
  if (path.length === 0) return 'an empty path';
  if (path.includes('\u0000')) return 'a NUL character';
  if (path.includes('\\')) return 'a backslash';
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path)) return 'an absolute path';
  if (path.split('/').some((part) => part === '..')) return 'a ".." segment';
  return null;
}

export function runMeaningIssues(run: RunManifest): RawIssue[] {
  const issues: RawIssue[] = [];
  run.dataset.files.forEach((file, i) => {
    const why = unsafeRelativePathReason(file.fileName);
    if (why !== null) {
      issues.push({ pointer: `/dataset/files/${i}/fileName`, expected: 'a relative path inside the data folder (no "..", not absolute)', found: `${describeValue(file.fileName)}, ${why}` });
    }
  });
  const roles = new Map<string, number>();
  run.dataset.files.forEach((file, i) => {
    const first = roles.get(file.role);
    if (first !== undefined) issues.push({ pointer: `/dataset/files/${i}/role`, expected: 'a role used by one file only', found: `${describeValue(file.role)}, also the role of /dataset/files/${first}` });
    else roles.set(file.role, i);
  });
  const { mean, std } = run.dataset.normalization;
  if (mean.length !== std.length) {
    issues.push({ pointer: '/dataset/normalization/std', expected: `one std per mean entry (${mean.length})`, found: `${std.length} entries` });
  }

  const schedule = run.training.learningRate.schedule;
  if (schedule.kind === 'piecewise') {
    if (schedule.values.length !== schedule.boundaries.length + 1) {
      issues.push({
        pointer: '/training/learningRate/schedule/values',
        expected: `boundaries.length + 1 = ${schedule.boundaries.length + 1} values`,
        found: `${schedule.values.length} values`,
      });
    }
    for (let i = 1; i < schedule.boundaries.length; i++) {
      if (schedule.boundaries[i]! <= schedule.boundaries[i - 1]!) {
        issues.push({
          pointer: `/training/learningRate/schedule/boundaries/${i}`,
          expected: `a boundary greater than the previous one (${schedule.boundaries[i - 1]})`,
          found: String(schedule.boundaries[i]),
        });
      }
    }
    if (schedule.unit === 'epoch') {
      schedule.boundaries.forEach((b, i) => {
        if (b >= run.training.epochs) {
          issues.push({ pointer: `/training/learningRate/schedule/boundaries/${i}`, expected: `an epoch below training.epochs (${run.training.epochs})`, found: String(b) });
        }
      });
    }
  }

  const method = run.method;
  const use = METHOD_SPARSITY_USE[method.name];
  if (use === 'target-and-distribution') {
    if (run.sparsity === undefined) {
      issues.push({ pointer: '/sparsity', expected: `a sparsity with a target and a distribution (method "${method.name}" trains a sparse mask)`, found: 'nothing' });
    } else if (run.sparsity.distribution === undefined) {
      issues.push({ pointer: '/sparsity/distribution', expected: `a layer-wise distribution (method "${method.name}" needs one)`, found: 'nothing' });
    }
  }
  if (use === 'absent' && run.sparsity !== undefined) {
    issues.push({ pointer: '/sparsity', expected: `no sparsity for method "${method.name}" (in a suite, \`"set": {"sparsity": null}\` removes it)`, found: describeValue(run.sparsity) });
  }
  if (use === 'target' && run.sparsity === undefined) {
    issues.push({ pointer: '/sparsity', expected: `a sparsity target (method "${method.name}" prunes to it)`, found: 'nothing' });
  }
  if ('startStep' in method && method.end.kind === 'step' && method.end.step <= method.startStep) {
    issues.push({ pointer: '/method/end/step', expected: `an end step after startStep (${method.startStep})`, found: String(method.end.step) });
  }
  return issues;
}

/**
 * Range checks on a claim's own numbers, for manifest validation (`validate`) and as the backstop
 * of `evaluateClaims`. Pointers are JSON pointers relative to the claim object.
 */
import type { Claim } from '../manifest/types.ts';

export interface ClaimProblem {
  /** JSON pointer relative to the claim, e.g. "/alpha" or "/claims/1/tolerance". */
  pointer: string;
  /** What was expected and what was found. */
  message: string;
}

function finite(value: number, pointer: string, problems: ClaimProblem[]): void {
  if (!Number.isFinite(value)) problems.push({ pointer, message: `expected a finite number, got ${value}` });
}

/** Every problem with the claim's numbers (empty when the claim is usable). */
export function claimProblems(claim: Claim): ClaimProblem[] {
  const problems: ClaimProblem[] = [];
  if (claim.metric.length === 0) problems.push({ pointer: '/metric', message: 'expected a metric name, got ""' });
  switch (claim.kind) {
    case 'abs':
    case 'rel':
      finite(claim.value, '/value', problems);
      if (!(claim.tolerance >= 0) || !Number.isFinite(claim.tolerance)) {
        problems.push({ pointer: '/tolerance', message: `expected a finite number ≥ 0, got ${claim.tolerance}` });
      }
      if (claim.publishedStd !== null && !(claim.publishedStd >= 0)) {
        problems.push({ pointer: '/publishedStd', message: `expected null or a number ≥ 0, got ${claim.publishedStd}` });
      }
      break;
    case 'equivalence':
      finite(claim.value, '/value', problems);
      if (!(claim.margin > 0) || !Number.isFinite(claim.margin)) {
        problems.push({ pointer: '/margin', message: `expected a finite number > 0, got ${claim.margin}` });
      }
      if (claim.publishedStd !== null && !(claim.publishedStd >= 0)) {
        problems.push({ pointer: '/publishedStd', message: `expected null or a number ≥ 0, got ${claim.publishedStd}` });
      }
      checkAlphaProblem(claim.alpha, problems);
      break;
    case 'order':
      checkAlphaProblem(claim.alpha, problems);
      break;
    case 'all':
      if (claim.claims.length === 0) {
        problems.push({ pointer: '/claims', message: 'expected at least one sub-claim, got none' });
      }
      claim.claims.forEach((sub, i) => {
        for (const p of claimProblems(sub)) problems.push({ pointer: `/claims/${i}${p.pointer}`, message: p.message });
      });
      break;
  }
  return problems;
}

function checkAlphaProblem(alpha: number, problems: ClaimProblem[]): void {
  if (!(alpha > 0 && alpha < 0.5)) {
    problems.push({ pointer: '/alpha', message: `expected a number in (0, 0.5), got ${alpha}` });
  }
}

/**
 * Errors of the verification code. Claims that cannot be decided are verdicts, not errors; these
 * are for arguments no caller should pass (a bug in the caller): exit 70 (design.md "Exit codes").
 */

/** A statistics function got an argument outside its domain (empty sample, alpha ∉ (0, 0.5)...). */
export class StatisticsArgumentError extends Error {
  readonly exitCode = 70 as const;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StatisticsArgumentError';
  }
}

/**
 * A claim whose own numbers are out of range (negative tolerance, alpha ∉ (0, 0.5), margin ≤ 0,
 * an `all` with no sub-claims): the manifest is invalid, exit 2. Manifest validation should
 * catch these first with `claimProblems` (harness/verify/claim-problems.ts); this is the backstop.
 */
export class InvalidClaimError extends Error {
  readonly exitCode = 2 as const;
  constructor(
    readonly claimId: string,
    readonly problems: { pointer: string; message: string }[],
  ) {
    super(
      `claim '${claimId}' is invalid: ` + problems.map((p) => `${p.pointer || '/'}: ${p.message}`).join('; '),
    );
    this.name = 'InvalidClaimError';
  }
}

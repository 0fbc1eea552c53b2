/** For tests of committed suites: every leaf claim (the parts of `all` claims included) and its group selectors. */
import type { Claim, GroupSelector } from '../harness/manifest/types.ts';

export function leafClaims(claims: Claim[]): Claim[] {
  return claims.flatMap((c) => (c.kind === 'all' ? leafClaims(c.claims) : [c]));
}

export function groupSelectors(claim: Claim): GroupSelector[] {
  if (claim.kind === 'order') return [claim.better, claim.worse];
  if (claim.kind === 'all') return [];
  return [claim.group];
}

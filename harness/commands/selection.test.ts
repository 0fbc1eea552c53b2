import { describe, expect, it } from 'vitest';
import { resolveIndex } from './selection.ts';

describe('--index', () => {
  it('prefers the flag, then JOB_COMPLETION_INDEX (Kubernetes), then AWS_BATCH_JOB_ARRAY_INDEX', () => {
    const env = { JOB_COMPLETION_INDEX: '3', AWS_BATCH_JOB_ARRAY_INDEX: '5' };
    expect(resolveIndex('7', env)).toEqual({ index: 7, source: '--index' });
    expect(resolveIndex(undefined, env)).toEqual({ index: 3, source: 'JOB_COMPLETION_INDEX' });
    expect(resolveIndex(undefined, { AWS_BATCH_JOB_ARRAY_INDEX: '5' })).toEqual({ index: 5, source: 'AWS_BATCH_JOB_ARRAY_INDEX' });
    expect(resolveIndex(undefined, { JOB_COMPLETION_INDEX: '' })).toBeNull();
    expect(resolveIndex(undefined, {})).toBeNull();
  });

  it('names the source of a bad value', () => {
    expect(() => resolveIndex('-1', {})).toThrow('--index: expected a run index (an integer ≥ 0), found "-1"');
    expect(() => resolveIndex(undefined, { AWS_BATCH_JOB_ARRAY_INDEX: 'x' })).toThrow(/^AWS_BATCH_JOB_ARRAY_INDEX: expected a run index/);
  });
});

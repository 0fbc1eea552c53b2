import { describe, expect, it } from 'vitest';
import { BackendError, DatasetError, InvalidRunConfigError, TrainingDivergedError, TrainingInterruptedError } from '../trainers/errors.ts';
import { ChecksumError, ManifestError, StoreError, UsageError, combineExitCodes, describeError, exitCodeOf, redact } from './errors.ts';

describe('exit codes', () => {
  it('maps each error type in one place', () => {
    expect(exitCodeOf(new UsageError('x'))).toBe(2);
    expect(exitCodeOf(new ManifestError([]))).toBe(2);
    expect(exitCodeOf(new StoreError('x'))).toBe(3);
    expect(exitCodeOf(new ChecksumError('f', 'a', 'b'))).toBe(3);
    expect(exitCodeOf(new InvalidRunConfigError('x'))).toBe(2);
    expect(exitCodeOf(new DatasetError('x'))).toBe(3);
    expect(exitCodeOf(new TrainingDivergedError(5, Number.NaN))).toBe(4);
    expect(exitCodeOf(new BackendError('x'))).toBe(4);
    expect(exitCodeOf(new TrainingInterruptedError(5))).toBe(130);
    expect(exitCodeOf(Object.assign(new Error('disk full'), { code: 'ENOSPC' }))).toBe(3);
    expect(exitCodeOf(new TypeError('x is undefined'))).toBe(70);
    expect(exitCodeOf('a string')).toBe(70);
  });

  it('combines as design.md says: 2, 3, 4 first, then 1 over 5 over 0', () => {
    expect(combineExitCodes([])).toBe(0);
    expect(combineExitCodes([0, 5, 0])).toBe(5);
    expect(combineExitCodes([5, 1, 0])).toBe(1);
    expect(combineExitCodes([1, 4])).toBe(4);
    expect(combineExitCodes([4, 3, 1])).toBe(3);
    expect(combineExitCodes([3, 2, 5])).toBe(2);
    expect(combineExitCodes([2, 70])).toBe(70);
    expect(combineExitCodes([70, 130])).toBe(130);
  });
});

describe('redact', () => {
  const env = {
    AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG',
    AWS_SESSION_TOKEN: 'FwoGZXIvYXdzEJr',
    MY_API_TOKEN: 'tok-12345',
    DB_PASSWORD: 'hunter22',
    SOME_KEY: 'k3y-value',
    HOME: '/root',
    SHORT_KEY: 'ab',
  };

  it('masks values of env vars whose names look like secrets, wherever they appear', () => {
    const text = 'auth wJalrXUtnFEMI/K7MDENG token=FwoGZXIvYXdzEJr api tok-12345 pw hunter22 k3y-value home /root ab';
    expect(redact(text, env)).toBe('auth *** token=*** api *** pw *** *** home /root ab');
  });

  it('masks passwords written into URLs', () => {
    expect(redact('s3://AKIA:supersecret@minio:9000/bucket', {})).toBe('s3://AKIA:***@minio:9000/bucket');
  });

  it('is applied to error descriptions, causes included', () => {
    const error = new StoreError('cannot write', { cause: new Error('denied for hunter22') });
    expect(describeError(error, env)).toBe('cannot write\n  caused by Error: denied for ***');
  });
});

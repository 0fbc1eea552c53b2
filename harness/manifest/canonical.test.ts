import { describe, expect, it } from 'vitest';
import { canonicalJson, manifestIdentity, sha256Hex } from './canonical.ts';

describe('canonicalJson', () => {
  it('sorts keys at every level, drops undefined members and prints numbers as JavaScript does', () => {
    const value = { b: { d: true, c: null, e: undefined }, a: [1, 'x', 0.1, 1e21] };
    expect(canonicalJson(value)).toBe('{"a":[1,"x",0.1,1e+21],"b":{"c":null,"d":true}}');
  });

  it('gives the same text, hash and run id for the same data in any key order', () => {
    const one = { seed: 0, method: { name: 'rigl', update: { intervalSteps: 100, rounding: 'floor' } }, training: { epochs: 1 } };
    const two = { training: { epochs: 1 }, method: { update: { rounding: 'floor', intervalSteps: 100 }, name: 'rigl' }, seed: 0 };
    expect(canonicalJson(one)).toBe(canonicalJson(two));
    expect(manifestIdentity(one)).toEqual(manifestIdentity(two));
  });

  it('hashes the canonical text with sha256 and takes 16 hex digits as the run id', () => {
    // printf '%s' '{"a":[1,"x",0.1,1e+21],"b":{"c":null,"d":true}}' | sha256sum
    const expected = '538aeef4d3f04baec431ac514ee894f08459a83c97cd188b80da7729c797e4b4';
    const identity = manifestIdentity({ b: { d: true, c: null }, a: [1, 'x', 0.1, 1e21] });
    expect(identity.manifestSha256).toBe(expected);
    expect(identity.runId).toBe(expected.slice(0, 16));
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('changes the id when any value changes, including 0.9 vs 0.95', () => {
    expect(manifestIdentity({ sparsity: { target: 0.9 } }).runId).not.toBe(manifestIdentity({ sparsity: { target: 0.95 } }).runId);
  });

  it('refuses values JSON cannot hold', () => {
    expect(() => canonicalJson({ a: Number.NaN })).toThrow(/\/a is NaN/);
    expect(() => canonicalJson({ f: () => 1 })).toThrow(/function/);
  });
});

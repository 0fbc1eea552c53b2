import { describe, expect, it } from 'vitest';
import { packCheckpoint, unpackCheckpoint } from './checkpoint.ts';

describe('checkpoint packing', () => {
  it('round-trips float32 and uint8 arrays and the JSON state bit for bit', () => {
    const w = new Float32Array([0.1, -2.5e-8, Number.MIN_VALUE, 3.4e38, -0]);
    const m = new Uint8Array([1, 0, 1]);
    const files = packCheckpoint({ step: 42, lossSum: 0.1 + 0.2 }, [
      { name: 'fc1.weight', shape: [5], data: w },
      { name: 'mask/fc1', shape: [3], data: m },
      { name: 'fc1.bias', shape: [1], data: new Float32Array([7]) },
    ]);
    const back = unpackCheckpoint<{ step: number; lossSum: number }>(files);
    expect(back.state).toEqual({ step: 42, lossSum: 0.30000000000000004 });
    expect(Array.from(back.arrays.get('fc1.weight')!.data)).toEqual(Array.from(w));
    expect(Object.is(back.arrays.get('fc1.weight')!.data[4], -0)).toBe(true);
    expect(Array.from(back.arrays.get('mask/fc1')!.data)).toEqual([1, 0, 1]);
    expect(Array.from(back.arrays.get('fc1.bias')!.data)).toEqual([7]);
  });

  it('detects a corrupted tensors.bin and names both hashes', () => {
    const files = packCheckpoint({}, [{ name: 'a', shape: [2], data: new Float32Array([1, 2]) }]);
    const bin = files['tensors.bin']!;
    bin[0] = bin[0]! ^ 0xff;
    expect(() => unpackCheckpoint(files)).toThrow(/tensors\.bin is corrupt: sha256 [0-9a-f]{64}, expected [0-9a-f]{64}/);
  });

  it('refuses an incomplete checkpoint', () => {
    expect(() => unpackCheckpoint({ 'state.json': new Uint8Array() })).toThrow(/incomplete.*state\.json/);
  });
});

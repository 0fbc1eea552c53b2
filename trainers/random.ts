/**
 * Keyed, seeded randomness. Every random draw in the trainer comes from a generator keyed on
 * (run seed, purpose, layer, step) — never `Math.random`, never a hash that changes per process —
 * so the same manifest gives the same masks, initial weights and data order on every machine, and a
 * resumed run needs no generator state beyond its position (house-style.md "Randomness is keyed").
 *
 * Construction: the key parts are hashed with 64-bit FNV-1a into a 128-bit state (four rounds of
 * splitmix32 on the hash), which seeds sfc32 (Small Fast Counter, PractRand-clean, 32-bit ops only).
 */

export type RandomKeyPart = string | number;

/** FNV-1a over the UTF-8 bytes of the joined key, as two 32-bit halves (deterministic everywhere). */
function hashKey(parts: readonly RandomKeyPart[]): [number, number] {
  const text = parts.map((p) => (typeof p === 'number' ? `n${p}` : `s${p}`)).join('\u0000');
  const bytes = new TextEncoder().encode(text);
  // 64-bit FNV-1a emulated with two 32-bit lanes.
  let hi = 0xcbf29ce4 >>> 0;
  let lo = 0x84222325 >>> 0;
  for (const byte of bytes) {
    lo ^= byte;
    // multiply (hi, lo) by the FNV prime 0x100000001b3 = 2^40 + 0x1b3
    const loMul = lo * 0x1b3;
    const carry = Math.floor(loMul / 0x100000000);
    const newLo = loMul >>> 0;
    const newHi = (hi * 0x1b3 + carry + ((lo << 8) >>> 0)) >>> 0;
    lo = newLo;
    hi = newHi;
  }
  return [hi >>> 0, lo >>> 0];
}

function splitmix32(state: number): [number, number] {
  let z = (state + 0x9e3779b9) >>> 0;
  const next = z;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return [(z ^ (z >>> 16)) >>> 0, next];
}

/** A deterministic stream of random numbers for one key. Not cryptographic. */
export class KeyedRandom {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spareNormal: number | null = null;

  constructor(...key: RandomKeyPart[]) {
    const [hi, lo] = hashKey(key);
    let s = (hi ^ Math.imul(lo, 0x27d4eb2d)) >>> 0;
    let out: number;
    [out, s] = splitmix32(s ^ lo);
    this.a = out;
    [out, s] = splitmix32(s);
    this.b = out;
    [out, s] = splitmix32(s ^ hi);
    this.c = out;
    [out, s] = splitmix32(s);
    this.d = out;
    for (let i = 0; i < 12; i++) this.nextUint32(); // discard the warm-up outputs of sfc32
  }

  /** Uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  nextFloat(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform in [low, high). */
  uniform(low: number, high: number): number {
    return low + (high - low) * this.nextFloat();
  }

  /** Uniform integer in [0, n), without modulo bias. */
  nextInt(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > 0x100000000) {
      throw new RangeError(`'n' passed to nextInt() must be an integer in [1, 2^32] but got ${n}`);
    }
    const limit = 0x100000000 - (0x100000000 % n);
    for (;;) {
      const x = this.nextUint32();
      if (x < limit) return x % n;
    }
  }

  /** Standard normal (Box–Muller; the second value is kept for the next call). */
  nextNormal(): number {
    if (this.spareNormal !== null) {
      const z = this.spareNormal;
      this.spareNormal = null;
      return z;
    }
    let u = 0;
    while (u === 0) u = this.nextFloat();
    const v = this.nextFloat();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Fisher–Yates shuffle of 0..n-1. */
  permutation(n: number): Uint32Array {
    const out = new Uint32Array(n);
    for (let i = 0; i < n; i++) out[i] = i;
    for (let i = n - 1; i > 0; i--) {
      const j = this.nextInt(i + 1);
      const tmp = out[i]!;
      out[i] = out[j]!;
      out[j] = tmp;
    }
    return out;
  }

  /** `count` distinct indices drawn uniformly from [0, n), in the order drawn. */
  sampleWithoutReplacement(n: number, count: number): Uint32Array {
    if (count > n) throw new RangeError(`cannot sample ${count} distinct indices from ${n}`);
    // Partial Fisher–Yates on a sparse map: O(count) memory and time.
    const swapped = new Map<number, number>();
    const out = new Uint32Array(count);
    for (let i = 0; i < count; i++) {
      const j = i + this.nextInt(n - i);
      const vi = swapped.get(i) ?? i;
      const vj = swapped.get(j) ?? j;
      out[i] = vj;
      swapped.set(j, vi);
    }
    return out;
  }
}

/** Shorthand: the generator for one key. */
export function keyedRandom(...key: RandomKeyPart[]): KeyedRandom {
  return new KeyedRandom(...key);
}

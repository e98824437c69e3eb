import { describe, expect, it } from 'vitest';
import { bandNeighbours, bandRadius, hammingDistance, hashBands, MAX_SIMILAR_DISTANCE } from './hamming.ts';

function flip(hash: string, bits: readonly number[]): string {
  let value = BigInt(`0x${hash}`);
  for (const bit of bits) value ^= 1n << BigInt(63 - bit);
  return value.toString(16).padStart(16, '0');
}

describe('hammingDistance', () => {
  it('counts the differing bits of two 64-bit hashes', () => {
    expect(hammingDistance('0000000000000000', '0000000000000000')).toBe(0);
    expect(hammingDistance('0000000000000000', 'ffffffffffffffff')).toBe(64);
    expect(hammingDistance('8000000000000001', '0000000000000000')).toBe(2);
    expect(hammingDistance('00000000ffffffff', 'ffffffff00000000')).toBe(64);
    const hash = '3f9a00c4e1b27d58';
    for (const bits of [[0], [31, 32], [5, 17, 40, 63], Array.from({ length: 33 }, (_, bit) => bit * 2 - (bit > 31 ? 1 : 0))])
      expect(hammingDistance(hash, flip(hash, bits)), bits.join(',')).toBe(new Set(bits).size);
  });
});

describe('bands', () => {
  it('cuts the hash into four 16-bit bands, most significant first', () => {
    expect(hashBands('0001ffff8000abcd')).toEqual([1, 0xffff, 0x8000, 0xabcd]);
  });

  it('gives every value within the radius exactly once', () => {
    const band = 0b1010_0000_1111_0011;
    for (const radius of [0, 1, 2, 3]) {
      const values = bandNeighbours(band, radius);
      const expected = Array.from({ length: 1 << 16 }, (_, value) => value).filter((value) => {
        let x = value ^ band;
        let bits = 0;
        while (x) {
          bits += x & 1;
          x >>>= 1;
        }
        return bits <= radius;
      });
      expect(values[0]).toBe(band);
      expect(new Set(values).size).toBe(values.length);
      expect([...values].sort((a, b) => a - b)).toEqual(expected);
    }
  });

  it('finds every hash within the distance through some band (pigeonhole)', () => {
    const query = 'c3a5968e0f1b2d47';
    const bands = hashBands(query);
    for (let trial = 0; trial < 2000; trial += 1) {
      const distance = trial % (MAX_SIMILAR_DISTANCE + 1);
      const bits = new Set<number>();
      while (bits.size < distance) bits.add(Math.floor(Math.random() * 64));
      const other = hashBands(flip(query, [...bits]));
      const radius = bandRadius(distance);
      const shared = other.some((band, index) => bandNeighbours(bands[index] ?? 0, radius).includes(band));
      expect(shared, `${query} vs ${[...bits].join(',')}`).toBe(true);
    }
  });
});

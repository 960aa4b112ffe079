import { describe, expect, it } from 'vitest';
import { partLayout } from './part-layout.ts';

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;

describe('part layout', () => {
  it('cuts small files into 8 MiB parts', () => {
    expect(partLayout(20 * MIB + 12345)).toEqual({ partSize: 8 * MIB, partCount: 3 });
    expect(partLayout(1)).toEqual({ partSize: 8 * MIB, partCount: 1 });
  });

  it('gives files up to 4 GiB about 64 parts of whole MiB', () => {
    expect(partLayout(GIB)).toEqual({ partSize: 16 * MIB, partCount: 64 });
    expect(partLayout(GIB + 1)).toEqual({ partSize: 17 * MIB, partCount: 61 });
    expect(partLayout(4 * GIB)).toEqual({ partSize: 64 * MIB, partCount: 64 });
  });

  it('keeps parts at 64 MiB beyond that, until 10,000 parts would not be enough', () => {
    expect(partLayout(10 * GIB)).toEqual({ partSize: 64 * MIB, partCount: 160 });
    const huge = partLayout(5 * 1024 * GIB);
    expect(huge.partCount).toBeLessThanOrEqual(10_000);
    expect(huge.partSize % MIB).toBe(0);
    expect(huge.partSize).toBeGreaterThan(64 * MIB);
  });
});

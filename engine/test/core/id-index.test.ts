import { ABSENT, IdIndex, hashId } from '../../src/core/id-index';
import { prng } from './helpers';

describe('IdIndex', () => {
  test('finds every id it holds and none it does not, with colliding hashes, wrap-around, removals and growth', () => {
    const keys: string[] = [];
    const index = new IdIndex(keys);
    const model = new Map<string, number>();
    const random = prng(11);
    // Few distinct hashes, some near the top of the table (slot mask 1023 at first), so probe runs
    // collide, wrap past the last slot and get shifted back on removal.
    const hashOf = (id: string) => [5, 1023, 1022, 77, hashId(id)][Number(id.slice(1)) % 5];
    for (let step = 0; step < 20_000; step++) {
      const id = `k${Math.floor(random() * 3000)}`;
      const value = model.get(id);
      if (value === undefined) {
        keys.push(id);
        index.add(hashOf(id), keys.length - 1);
        model.set(id, keys.length - 1);
      } else if (random() < 0.6) {
        index.remove(hashOf(id), value);
        model.delete(id);
      }
      if (step % 1000 === 0 || step > 19_900) {
        for (let k = 0; k < 3000; k++) {
          const probe = `k${k}`;
          const want = model.get(probe) ?? ABSENT;
          if (index.get(probe, hashOf(probe)) !== want) expect({ step, probe, got: index.get(probe, hashOf(probe)) }).toEqual({ step, probe, got: want });
        }
      }
    }
    expect(index.size).toBe(model.size);
  });

  test('hashId is a deterministic 32-bit integer that depends on every character', () => {
    expect(hashId('550e8400-e29b-41d4-a716-446655440000')).toBe(hashId('550e8400-e29b-41d4-a716-446655440000'));
    expect(hashId('550e8400-e29b-41d4-a716-446655440000')).not.toBe(hashId('550e8400-e29b-41d4-a716-446655440001'));
    expect(hashId('ab')).not.toBe(hashId('ba'));
    expect(Number.isInteger(hashId(''))).toBe(true);
    expect(hashId('x') | 0).toBe(hashId('x'));
  });
});

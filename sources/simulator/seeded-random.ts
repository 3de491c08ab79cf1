/**
 * A uniform number in [0, 1) as a pure function of a seed and the parts that name the draw, so every
 * draw is reproducible on its own and independent of the order the simulator makes them in (FNV-1a
 * over the text, then a splitmix-style finaliser to spread nearby inputs).
 */
export function uniform(seed: number, ...parts: readonly (string | number)[]): number {
  const text = `${seed}\u001f${parts.join('\u001f')}`;
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 2 ** 32;
}

/** A uniform integer in [min, max]. */
export function uniformInt(
  min: number,
  max: number,
  seed: number,
  ...parts: readonly (string | number)[]
): number {
  return min + Math.floor(uniform(seed, ...parts) * (max - min + 1));
}

/** Picks one item of a non-empty list. */
export function pick<T>(items: readonly T[], seed: number, ...parts: readonly (string | number)[]): T {
  const item = items[Math.floor(uniform(seed, ...parts) * items.length)];
  if (item === undefined) throw new RangeError('pick from an empty list');
  return item;
}

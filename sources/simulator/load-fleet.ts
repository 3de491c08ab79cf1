import { readFile } from 'node:fs/promises';
import { BDG1_META_OPEN_URL, BDG1_SAMPLE_URL, parseMetaOpen } from '../bdg1/index.ts';
import { drawFleet, type Fleet } from './fleet.ts';

/**
 * A fleet of `size` buildings from the shipped BDG1 files: the sample buildings first (those whose
 * station is among `stations`), then the other real buildings of those stations, then synthetic ones.
 */
export async function loadBdg1Fleet(
  size: number,
  seed: number,
  stations: ReadonlySet<string>,
): Promise<Fleet> {
  const [full, sample] = await Promise.all([
    readFile(BDG1_META_OPEN_URL, 'utf8'),
    readFile(BDG1_SAMPLE_URL, 'utf8'),
  ]);
  return drawFleet(
    {
      real: parseMetaOpen(full).buildings,
      preferred: parseMetaOpen(sample).buildings.map((b) => b.buildingId),
      stations,
    },
    size,
    seed,
  );
}

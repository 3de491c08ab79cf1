import { readFile } from 'node:fs/promises';
import { type Bdg1Building, parseMetaOpen } from './parse-meta-open.ts';

/** Eight real BDG1 buildings (CR line endings kept) shipped with the project for demos and tests. */
export const BDG1_SAMPLE_URL = new URL('./data/meta_open.sample.csv', import.meta.url);

/** BDG1's full building metadata (507 buildings, CR line endings), shipped with the project. */
export const BDG1_META_OPEN_URL = new URL('./data/meta_open.csv', import.meta.url);

export async function loadBdg1Sample(): Promise<Bdg1Building[]> {
  return parseMetaOpen(await readFile(BDG1_SAMPLE_URL, 'utf8')).buildings;
}

/** Every building of the shipped `meta_open.csv` that parses. */
export async function loadBdg1Buildings(): Promise<Bdg1Building[]> {
  return parseMetaOpen(await readFile(BDG1_META_OPEN_URL, 'utf8')).buildings;
}

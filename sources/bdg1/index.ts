export { BDG1_SAMPLE_URL, loadBdg1Sample } from './load-sample.ts';
export type { Bdg1Building, RejectedRow } from './parse-meta-open.ts';
export { parseMetaOpen } from './parse-meta-open.ts';

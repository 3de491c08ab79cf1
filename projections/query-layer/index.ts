export type { KeptAnswer, LastKnownGood, LastKnownGoodOptions } from './last-known-good.ts';
export {
  createLastKnownGood,
  DEFAULT_LAST_KNOWN_GOOD_TTL_SECONDS,
  normaliseArguments,
} from './last-known-good.ts';
export type { Lookups } from './lookups.ts';
export type { Answer, AnswerBody, Provenance, Staleness } from './provenance.ts';
export { readProvenance } from './provenance.ts';
export type { ProjectionReplayState, QueryLayer, QueryLayerDeps } from './query-layer.ts';
export { createQueryLayer } from './query-layer.ts';

export {
  BUILDING_REGISTRY_TAG,
  buildingInfoTag,
  buildingTag,
  meterTag,
  PORTFOLIO_TAG,
  stationTag,
  tagsToInvalidate,
} from './cache-tags.ts';
export type {
  CachedResult,
  CacheLookup,
  GetOrComputeOptions,
  ToolResultCache,
  ToolResultCacheOptions,
} from './tool-result-cache.ts';
export { createToolResultCache, DEFAULT_CACHE_TTL_SECONDS } from './tool-result-cache.ts';

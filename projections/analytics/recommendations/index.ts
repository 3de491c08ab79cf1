export type { Recommendations, RecommendationsQuery } from './query-recommendations.ts';
export { MAX_RECOMMENDATION_WINDOW_DAYS, queryRecommendations } from './query-recommendations.ts';
export type {
  EstimatedSaving,
  Evidence,
  EvidenceRange,
  Figure,
  Level,
  Recommendation,
  RecommendationContext,
  RecommendationRule,
  RuleId,
} from './recommendation.ts';
export { LEVELS, RULE_IDS } from './recommendation.ts';
export { RULES } from './rules/index.ts';

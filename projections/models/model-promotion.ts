import { randomUUID } from 'node:crypto';
import { EaioError } from '../../infra/errors/index.ts';
import type { ModelPromoted, PromotionScope } from '../../schemas/index.ts';
import { modelVersionNamed } from './model-versions.ts';

/** What a promotion says, before it becomes an event. */
export interface PromotionRequest {
  readonly scope: PromotionScope;
  /** The meter or building id; ignored (and '*') for all. */
  readonly scopeId?: string;
  /** The meter's or the building's building; required for meter and building scopes. */
  readonly buildingId?: string;
  readonly version: string;
  readonly promotedBy: string;
  readonly reason: string;
  readonly at: Date;
  readonly source: string;
}

/** Topic key of a promotion: its scope and id, so one scope's promotions keep their order. */
export const promotionTopicKey = (e: Pick<ModelPromoted, 'scope' | 'scopeId'>): string =>
  `${e.scope}/${e.scopeId}`;

/**
 * A `ModelPromoted` event from a request, the version checked against the known versions. Its id is
 * random (an admin action happens once; the idempotent producer keeps a retry from duplicating it).
 */
export function buildModelPromoted(request: PromotionRequest): ModelPromoted {
  modelVersionNamed(request.version);
  const scopeId = request.scope === 'all' ? '*' : request.scopeId;
  if (scopeId === undefined || scopeId.length === 0) {
    throw new EaioError(
      'INVALID_ARGUMENT',
      'permanent',
      `a ${request.scope} promotion needs the ${request.scope} id`,
    );
  }
  if (request.reason.trim().length === 0) {
    throw new EaioError('INVALID_ARGUMENT', 'permanent', 'say why the version is promoted (reason)');
  }
  return {
    eventId: randomUUID(),
    occurredAt: request.at,
    source: request.source,
    scope: request.scope,
    scopeId,
    buildingId: request.scope === 'all' ? null : (request.buildingId ?? null),
    version: request.version,
    promotedBy: request.promotedBy,
    reason: request.reason,
    traceContext: null,
  };
}

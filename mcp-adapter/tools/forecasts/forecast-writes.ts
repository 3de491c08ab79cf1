import type { ModelPromoted } from '../../../schemas/index.ts';
import { ToolRefusal } from '../../define-tool.ts';

/** Where promotions go: the model-promotions topic, through the platform's idempotent producer. */
export interface ModelPromotionSink {
  /** Resolves once the broker acknowledged the event (all in-sync replicas). */
  send(event: ModelPromoted): Promise<void>;
}

/**
 * The part of the tools' reads that holds the promotion port. The composition builds it from the
 * platform's producer and codec; a server built without one refuses `promote_model`.
 */
export interface ForecastWrites {
  readonly promotions?: ModelPromotionSink | undefined;
}

export function promotionSinkOf(reads: ForecastWrites): ModelPromotionSink {
  if (reads.promotions === undefined) {
    throw new ToolRefusal(
      'This MCP server was started without a way to write promotions (no Kafka producer), so nothing was promoted; use `eaio models promote` on the host.',
    );
  }
  return reads.promotions;
}

import type { ControlOutcome } from '../../../schemas/index.ts';
import { derivedEventId } from '../../../schemas/index.ts';
import type { CommandState } from './command-state.ts';
import type { OutcomeCause } from './control-events.ts';

/** What the device said of a step, beside the outcome it produced. */
export interface OutcomeFields {
  readonly outcome: ControlOutcome['outcome'];
  readonly cause: OutcomeCause | null;
  readonly value?: number | null;
  readonly priority?: number | null;
  readonly readBack?: number | null;
  readonly deviceMessage?: string | null;
}

/**
 * The outcome event of a command's next step. Its id is derived from the command, the outcome and how
 * many outcomes the command had before (`control-outcome`, `${commandId}/${outcome}/${n}`), so a step
 * redone after a failed send or a crash produces the same event, never a second one. It carries the
 * request's trace context, so the outcome joins the proposal's trace.
 */
export function outcomeEvent(
  state: CommandState,
  source: string,
  fields: OutcomeFields,
  at: Date,
): ControlOutcome {
  const request = state.request;
  if (request === null) throw new Error(`command ${state.commandId} has no request to report an outcome of`);
  return {
    eventId: derivedEventId('control-outcome', `${state.commandId}/${fields.outcome}/${state.outcomes.size}`),
    occurredAt: at,
    source,
    commandId: state.commandId,
    buildingId: request.buildingId,
    pointId: request.pointId,
    outcome: fields.outcome,
    deviceMessage: fields.deviceMessage ?? null,
    value: fields.value ?? null,
    priority: fields.priority ?? null,
    readBack: fields.readBack ?? null,
    cause: fields.cause,
    traceContext: request.traceContext ?? null,
  };
}

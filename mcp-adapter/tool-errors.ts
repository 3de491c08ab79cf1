import { EaioError } from '../infra/errors/index.ts';
import { ToolRefusal } from './define-tool.ts';
import { RateLimitsUnavailableError } from './limits/index.ts';

/** Code of a tool answer that is an error the model can act on (`isError: true`), not a protocol error. */
export const TOOL_ERROR_CODE = 'TOOL_ERROR';

/** The error code of a tool result: {@link TOOL_ERROR_CODE} for `isError: true`, else none. */
export function toolResultErrorCode(result: unknown): string | undefined {
  return typeof result === 'object' && result !== null && (result as { isError?: unknown }).isError === true
    ? TOOL_ERROR_CODE
    : undefined;
}

/** The refusal of a question about a building no event has registered. */
export function unknownBuilding(buildingId: string): ToolRefusal {
  return new ToolRefusal(
    `No building '${buildingId}' is known. Building ids are case-sensitive, e.g. 'Office_Cristina'; call list_buildings (or list the eaio://buildings/{id} resources) to see them.`,
  );
}

/**
 * The refusal of a question about a control command never projected, or one of a building the caller
 * may not see: the same sentence for both, so command ids cannot be probed across tenants.
 */
export function unknownCommand(commandId: string): ToolRefusal {
  return new ToolRefusal(
    `No command '${commandId}' is known: no request, decision or outcome with that commandId has been projected. Check the id returned when the command was requested; a command requested moments ago may not be projected yet, so retry in a few seconds.`,
  );
}

/** The refusal of a question about a weather station no building the caller sees reports from. */
export function unknownStation(stationId: string): ToolRefusal {
  return new ToolRefusal(
    `No weather station '${stationId}' is known to you. Ask by buildingId instead, or take the station id from get_building's weatherStationId.`,
  );
}

/** An error a tool answers as an `isError: true` result: its code (for metrics) and the sentence. */
export interface ToolErrorAnswer {
  readonly code: string;
  readonly sentence: string;
}

/**
 * Maps what a tool's `handle` threw to a sentence the model can act on: a {@link ToolRefusal} as it
 * is, a bad argument (INVALID_ARGUMENT: an empty range, too many buckets, too little data to fit) as
 * what to change, an unavailable dependency with when to retry. Anything else is not the model's to
 * fix: undefined, and the caller rethrows it.
 */
export function toolErrorOf(error: unknown): ToolErrorAnswer | undefined {
  if (error instanceof ToolRefusal) return { code: TOOL_ERROR_CODE, sentence: error.message };
  if (!(error instanceof EaioError)) return undefined;
  if (error instanceof RateLimitsUnavailableError) {
    return {
      code: error.code,
      sentence: `${error.message}. Nothing was done; retry in ${Math.ceil(Number(error.context.retryInMs) / 1000)} s.`,
    };
  }
  switch (error.code) {
    case 'INVALID_ARGUMENT':
      return {
        code: error.code,
        sentence: `These arguments cannot be answered: ${error.message}. Change them and call the tool again.`,
      };
    case 'DEPENDENCY_UNAVAILABLE': {
      const retryInMs = Number(error.context.retryInMs);
      const retry =
        Number.isFinite(retryInMs) && retryInMs > 0 ? `${Math.ceil(retryInMs / 1000)} s` : 'a few seconds';
      const dependency =
        typeof error.context.dependency === 'string' ? error.context.dependency : 'a read model store';
      return {
        code: error.code,
        sentence: `The read models are temporarily unavailable (${dependency}) and no earlier answer to this question is kept; retry in ${retry}. Details: ${error.message}`,
      };
    }
    case 'CONTROL_ACTION_REFUSED':
      return { code: error.code, sentence: `${error.message}. Nothing was sent.` };
    case 'ACCESS_DENIED':
      return {
        code: error.code,
        sentence: `Access denied: ${error.message}. Ask for a token with that scope; no data was read.`,
      };
    case 'RATE_LIMITED': {
      const retryInMs = Number(error.context.retryInMs);
      const retry =
        Number.isFinite(retryInMs) && retryInMs > 0 ? `${Math.ceil(retryInMs / 1000)} s` : 'a minute';
      return {
        code: error.code,
        sentence: `Rate limit reached: ${error.message}. Retry in ${retry}.`,
      };
    }
    default:
      return undefined;
  }
}

import { EaioError } from '../../../infra/errors/index.ts';

/**
 * The opaque cursor of `list_buildings`: the last building id of the page, base64url-encoded JSON,
 * so a caller passes it back unchanged and the listing can change what it carries later.
 */
export function encodeBuildingCursor(afterBuildingId: string): string {
  return Buffer.from(JSON.stringify({ v: 1, after: afterBuildingId }), 'utf8').toString('base64url');
}

/** The building id a cursor continues after; an INVALID_ARGUMENT EaioError for one this tool did not issue. */
export function decodeBuildingCursor(cursor: string): string {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      typeof parsed === 'object' &&
      parsed !== null &&
      (parsed as { v?: unknown }).v === 1 &&
      typeof (parsed as { after?: unknown }).after === 'string'
    ) {
      return (parsed as { after: string }).after;
    }
  } catch {
    // Not base64url JSON: answered as the bad argument it is, below.
  }
  throw new EaioError(
    'INVALID_ARGUMENT',
    'permanent',
    'cursor is not one list_buildings returned; pass nextCursor exactly as given, or omit it for the first page',
    { context: { cursor } },
  );
}

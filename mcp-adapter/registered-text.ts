/**
 * Longest free text of a registration (a building's primary use or site) an answer carries. The text
 * comes from whoever produced the `BuildingRegistered` event, not from this platform, and reaches the
 * model verbatim: capped at the length tool inputs accept for the same fields, it cannot carry a long
 * prompt, and the filters can still be given what an answer shows.
 */
export const MAX_REGISTERED_TEXT_CHARS = 200;

// Line breaks and other control characters would let the text start a line of its own in the summary.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g;

/**
 * Registration free text as answers show it: control characters (line breaks included) as one space,
 * cut to {@link MAX_REGISTERED_TEXT_CHARS} characters with a trailing `…` when longer. Data, never
 * instructions: the tools return it in its field and in a summary line, and act on none of it.
 */
export function registeredText(text: string): string {
  const flat = text.replace(CONTROL, ' ');
  return flat.length <= MAX_REGISTERED_TEXT_CHARS ? flat : `${flat.slice(0, MAX_REGISTERED_TEXT_CHARS - 1)}…`;
}

/** {@link registeredText} of an optional field. */
export const registeredTextOrNull = (text: string | null | undefined): string | null =>
  text === null || text === undefined ? null : registeredText(text);

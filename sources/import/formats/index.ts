import type { ImportFormatFactory } from '../import-format.ts';

/** Every format `eaio import` can read; the format authors fill this list. */
export const IMPORT_FORMATS: readonly ImportFormatFactory[] = [];

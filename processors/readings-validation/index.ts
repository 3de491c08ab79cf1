export { requireMeasurable } from './require-measurable.ts';
export { MAX_READING_BY_UNIT, ReadingRejectedError, validateReading } from './validate-reading.ts';

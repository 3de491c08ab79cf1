import { createHash } from 'node:crypto';

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value instanceof Date) return value.toISOString();
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((key) => [key, canonical((value as Record<string, unknown>)[key])]),
    );
  }
  return value;
}

/**
 * SHA-256 (hex) of a model's canonical JSON (keys sorted, dates as ISO strings), so two fits that
 * produced the same model, on any machine or in a replay, carry the same hash.
 */
export function modelContentHash(model: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify(canonical(model)))
    .digest('hex');
}

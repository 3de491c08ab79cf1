import { createHash } from 'node:crypto';
import pg from 'pg';
import type { RedisKeyspace } from './projection.ts';

/** Postgres truncates identifiers beyond 63 bytes; names are kept below that and stay unique. */
const MAX_IDENTIFIER = 63;

/**
 * The schema of one generation of a Postgres projection: `<schema>_<name>_g<n>`, lower-cased, with
 * anything but letters, digits and `_` replaced, and shortened with a hash when too long.
 */
export function generationSchema(mainSchema: string, projection: string, generation: number): string {
  const raw = `${mainSchema}_${projection}_g${generation}`.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  if (raw.length <= MAX_IDENTIFIER) return raw;
  const hash = createHash('sha256').update(raw).digest('hex').slice(0, 8);
  const suffix = `_${hash}_g${generation}`;
  return `${raw.slice(0, MAX_IDENTIFIER - suffix.length)}${suffix}`;
}

/** Key prefix of one generation of a Redis projection (after the client's own key prefix). */
export function redisGenerationPrefix(projection: string, generation: number): string {
  return `p:${projection}:g${generation}:`;
}

/** The key naming the generation readers use; the source of truth stays `projection_generations`. */
export function activeGenerationKey(projection: string): string {
  return `p:${projection}:active`;
}

/** The key builder of one Redis generation, from its prefix. */
export function redisKeyspace(prefix: string): RedisKeyspace {
  return { prefix, key: (...parts) => `${prefix}${parts.join(':')}` };
}

/** `"schema"."name"`, quoted for SQL. */
export function qualified(schema: string, name: string): string {
  return `${pg.escapeIdentifier(schema)}.${pg.escapeIdentifier(name)}`;
}

import type { CallToolResult } from '@modelcontextprotocol/server';
import { normaliseArguments, type ToolResultCache } from '../projections/index.ts';
import type { ToolCachePolicy } from './define-tool.ts';

type Structured = Record<string, unknown>;

/** A tool run as the cache sees it (the registration's `ToolRun`). */
interface CacheableRun {
  readonly result: CallToolResult;
  readonly errorCode?: string;
}

/** The cache key of a call: the tool, the caller's tenant (answers are limited to it) and the arguments in canonical form. */
export function toolCacheKey(tool: string, tenant: string, args: unknown): string {
  return `${tool}:${tenant}:${JSON.stringify(normaliseArguments(args))}`;
}

/** An answer worth keeping: not an error, and not a last good answer served while a store was down. */
function storable(run: CacheableRun): boolean {
  const structured = run.result.structuredContent as Structured | undefined;
  return run.result.isError !== true && run.errorCode === undefined && structured?.stale !== true;
}

/**
 * The run as the caller sees it: `cached` in its provenance fields and, for a cached answer, the age of
 * its data as of now and a line saying when it was read.
 */
function marked<R extends CacheableRun>(run: R, hit: boolean, cachedAt: Date, now: number): R {
  const structured = run.result.structuredContent as Structured | undefined;
  if (structured === undefined || run.result.isError === true) return run;
  const fields: Structured = { ...structured, cached: hit };
  if (hit && typeof structured.dataUntil === 'string' && 'dataAgeMs' in structured)
    fields.dataAgeMs = Math.max(0, now - Date.parse(structured.dataUntil));
  const note = `Served from the cache: read at ${cachedAt.toISOString()} (${Math.round((now - cachedAt.getTime()) / 1000)} s ago); no newer events of what it covers have arrived since.`;
  const content: CallToolResult['content'] = hit
    ? [...run.result.content, { type: 'text', text: note }]
    : run.result.content;
  return { ...run, result: { ...run.result, content, structuredContent: fields } };
}

/** One call to answer through the cache: which tool, for which tenant, with which arguments. */
export interface CachedCall<A> {
  readonly tool: string;
  readonly tenant: string;
  readonly args: A;
  readonly policy: ToolCachePolicy<A, unknown>;
  /** Wall clock now, epoch ms: the age of a cached answer's data. */
  readonly now: number;
}

/**
 * Answers a read-only tool's call through the tool-result cache under its cache policy: a repeat of
 * the call is answered from Redis until its TTL ends or the projector invalidates one of its tags
 * (newer events of what it covers); otherwise `run` computes it. Errors and stale answers are returned
 * but never kept. A Redis outage only bypasses the cache (see `ToolResultCache`).
 */
export async function runCachedTool<A, R extends CacheableRun>(
  cache: ToolResultCache,
  { tool, tenant, args, policy, now }: CachedCall<A>,
  run: () => Promise<R>,
): Promise<R> {
  const { value, hit, cachedAt } = await cache.getOrCompute(
    policy.category,
    toolCacheKey(tool, tenant, args),
    run,
    {
      store: storable,
      tags: (computed) => policy.tags(args, computed.result.structuredContent),
    },
  );
  return marked(value, hit, cachedAt, now);
}

import type { ToolAnnotations } from '@modelcontextprotocol/server';
import type { z } from 'zod';
import { EaioError } from '../infra/errors/index.ts';
import type { Principal, Scope } from './access/index.ts';
import type { ToolName } from './tool-names.ts';

/** Annotations of a tool that only reads the read models: safe to call, retry and repeat. */
export const READ_ONLY_TOOL = {
  readOnlyHint: true,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: false,
} as const satisfies ToolAnnotations;

/**
 * Annotations of an admin tool that changes the platform's state in a way a repeat does not change
 * further (re-driving dead letters already re-driven sends nothing).
 */
export const IDEMPOTENT_WRITE_TOOL = {
  readOnlyHint: false,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: false,
} as const satisfies ToolAnnotations;

/** Annotations of a control tool: it acts on devices in the building, outside this platform. */
export const CONTROL_TOOL = {
  readOnlyHint: false,
  destructiveHint: true,
  idempotentHint: false,
  openWorldHint: true,
} as const satisfies ToolAnnotations;

/**
 * What a tool's `handle` reads through: the narrow part of the query layer it needs, the caller, and
 * a clock. Built once per request: the caller is the one whose token the request carried.
 */
export interface ToolContext<Q> {
  readonly queries: Q;
  /** Who is calling; every answer is limited to what it may see (its tenant's buildings). */
  readonly principal: Principal;
  /** Wall clock in epoch milliseconds, for the age of answers. */
  readonly now: () => number;
}

/** A tool's answer: its structured content (as its output schema says) and a few lines for the model. */
export interface ToolAnswer<O> {
  readonly structured: O;
  readonly text: string;
}

/**
 * A question the tool cannot answer as asked (an unknown building, a command never seen), with a
 * sentence telling the model what to do instead. Answered as an `isError: true` result.
 */
export class ToolRefusal extends EaioError {
  override readonly name = 'ToolRefusal';

  constructor(message: string, context: Readonly<Record<string, unknown>> = {}) {
    super('TOOL_REFUSED', 'permanent', message, { context });
  }
}

/**
 * Where a tool's answers are cached: the TTL category (a key of the `cache` config section: weather,
 * sensors, energy, control) and the tags of what an answer covers (`building:<id>`, `station:<id>`),
 * which the projector invalidates when newer events of it arrive.
 */
export interface ToolCachePolicy<A, S> {
  readonly category: string;
  /** The tags of one answer, from the call's arguments and the answer itself (e.g. its weather station). */
  tags(args: A, answer: S): readonly string[];
}

/**
 * One MCP tool: its contract (name, title, description, zod input and output, annotations) and its
 * `handle`, which is called with validated arguments and needs no server, so it is tested on its own.
 * `handle` throws a {@link ToolRefusal} or a typed `EaioError` for answers the model can act on; the
 * registration turns them into `isError: true` results (see `registerTools`).
 */
export interface ToolDefinition<
  I extends z.ZodObject = z.ZodObject,
  O extends z.ZodObject = z.ZodObject,
  Q = never,
> {
  readonly name: ToolName;
  readonly title: string;
  readonly description: string;
  /** Every field has a `.describe()`: it is what the model reads. */
  readonly input: I;
  readonly output: O;
  readonly annotations: ToolAnnotations;
  /**
   * The scope a caller needs: a caller without it is not shown the tool in `tools/list` and is
   * refused when it calls it anyway.
   */
  readonly scope: Scope;
  /**
   * How a read-only tool's answers are cached: the registration serves a repeat of the same call (same
   * tool, tenant and normalised arguments) from the tool-result cache until newer events of what the
   * answer covers evict it. Absent: every call runs `handle`.
   */
  readonly cache?: ToolCachePolicy<z.output<I>, z.input<O>>;
  handle(args: z.output<I>, context: ToolContext<Q>): Promise<ToolAnswer<z.input<O>>>;
}

/** Defines a tool; an identity that infers the input, output and context types from the definition. */
export function defineTool<I extends z.ZodObject, O extends z.ZodObject, Q>(
  tool: ToolDefinition<I, O, Q>,
): ToolDefinition<I, O, Q> {
  return tool;
}

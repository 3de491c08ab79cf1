import { completable, type GetPromptResult } from '@modelcontextprotocol/server';
import { z } from 'zod';
import type { Principal } from '../access/index.ts';
import type { BuildingDirectory } from '../building-directory.ts';

/** What a prompt is built with: the caller (its completions see only its buildings) and a clock. */
export interface PromptContext {
  readonly principal: Principal;
  readonly directory: Pick<BuildingDirectory, 'visibleBuildingIds'>;
  /** Wall clock in epoch milliseconds: default windows end now. */
  readonly now: () => number;
}

/**
 * One MCP prompt: a workflow an agent runs with the tools and resources, as messages that name
 * them. Its arguments are strings (MCP prompt arguments are), each `.describe()`d; they are built
 * per caller because completions are limited to the caller's buildings.
 */
export interface PromptDefinition<A extends z.ZodObject = z.ZodObject> {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  args(context: PromptContext): A;
  messages(args: z.output<A>, context: PromptContext): GetPromptResult;
}

/** Defines a prompt; an identity that infers its arguments' type. */
export function definePrompt<A extends z.ZodObject>(prompt: PromptDefinition<A>): PromptDefinition<A> {
  return prompt;
}

/** A building id argument whose completion offers the ids of the caller's buildings. */
export function buildingIdArgument({ principal, directory }: PromptContext) {
  return completable(
    z
      .string()
      .min(1)
      .max(200)
      .describe(
        "Building id as registered, e.g. 'Office_Cristina'; completion lists the buildings you can see.",
      ),
    (prefix) => directory.visibleBuildingIds(principal, prefix ?? ''),
  );
}

/** An optional ISO 8601 instant argument. */
export const optionalInstant = (what: string) =>
  z.iso
    .datetime({ offset: true })
    .optional()
    .describe(`${what}, ISO 8601 with a zone, e.g. 2016-03-01T00:00:00Z.`);

/** Said in every prompt: a caller's role may not offer every tool a step names. */
const MISSING_TOOLS = 'If a step names a tool you are not offered, skip it and say which finding is missing.';

/** The prompt's instructions as one user message. */
export function userMessage(description: string, lines: readonly string[]): GetPromptResult {
  return {
    description,
    messages: [{ role: 'user', content: { type: 'text', text: [...lines, MISSING_TOOLS].join('\n') } }],
  };
}

const DAY_MS = 86_400_000;

/** Midnight UTC at or before `ms`, as ISO 8601. */
export const startOfUtcDay = (ms: number): string => new Date(Math.floor(ms / DAY_MS) * DAY_MS).toISOString();

export { DAY_MS };

/** What every prompt asks of the answer: each figure with where it came from. */
export const CITE_PROVENANCE =
  'Cite the provenance of every figure you use: the read model and generation, the event time of the newest data and its age, and say so when an answer was stale or came from the cache.';

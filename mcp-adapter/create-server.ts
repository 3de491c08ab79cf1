import { type McpRequestContext, McpServer, type McpServerFactory } from '@modelcontextprotocol/server';
import type { SchemaRegistryReader, TopicNames } from '../schemas/index.ts';
import { ALL_TENANTS, type Principal, principal, principalOf } from './access/index.ts';
import { createBuildingDirectory } from './building-directory.ts';
import { registerPrompts } from './prompts/index.ts';
import { type AnyTool, registerTools, type ToolInstrumentation } from './register-tools.ts';
import { registerBuildingResources } from './resources/buildings/index.ts';
import { registerMeterLatestResource } from './resources/meters/index.ts';
import { registerSchemaResource } from './resources/schemas/index.ts';
import type { ResourceSubscriptions } from './resources/subscriptions/index.ts';
import { registerTopologyResource } from './resources/topology/index.ts';
import { type McpReads, TOOLS } from './tools/index.ts';

export const SERVER_INFO = { name: 'eaio-stream', version: '0.1.0' } as const;

export type { McpReads } from './tools/index.ts';

/** The principal of requests that carry no verified token: stdio, and tests serving in-process. */
export const LOCAL_ADMIN: Principal = principal('local', 'admin', ALL_TENANTS);

/** What a server factory takes besides the reads: instrumentation, the local principal and, for tests, a clock. */
export interface McpServerOptions extends ToolInstrumentation {
  /** Wall clock of answer ages; `Date.now` by default. */
  readonly now?: () => number;
  /**
   * Who a request without `authInfo` is (stdio has no token); {@link LOCAL_ADMIN} by default. The HTTP
   * transport verifies a token on every request it serves unless auth is explicitly turned off.
   */
  readonly localPrincipal?: Principal;
  /** The tools served; {@link TOOLS} by default (the MCP benchmark adds an empty tool as its ceiling). */
  readonly tools?: readonly AnyTool<McpReads>[];
  /** The deployment's topic names: `eaio://topology`, and the subjects `eaio://schemas/{subject}` serves. */
  readonly names?: TopicNames;
  /** The schema registry behind `eaio://schemas/{subject}`; that resource is not offered without it. */
  readonly registry?: SchemaRegistryReader;
  /** Resource subscriptions through Redis; without them the server offers none. */
  readonly subscriptions?: ResourceSubscriptions;
}

/**
 * A factory of MCP server instances over the query layer, the adapter's one seam to the read models.
 * The SDK builds one instance per HTTP request or stdio connection, for the request's principal: it
 * registers only what that principal may call, and every answer is limited to its tenant.
 */
export function createMcpServerFactory(queries: McpReads, options: McpServerOptions = {}): McpServerFactory {
  const now = options.now ?? Date.now;
  const local = options.localPrincipal ?? LOCAL_ADMIN;
  const tools = options.tools ?? TOOLS;
  const directory = createBuildingDirectory(queries);
  return (request?: McpRequestContext) => {
    const caller = request?.authInfo === undefined ? local : principalOf(request.authInfo);
    const server = new McpServer(SERVER_INFO, {
      instructions:
        'EAIO Stream answers questions about building energy data from its read models. Start from a building id (list_buildings, or the resources eaio://buildings and eaio://buildings/{id}), then ask for its latest readings, consumption, peer comparison, weather impact, anomalies or data quality. Every answer says which read model and log offsets it reflects and how recent its data is.',
    });
    registerTools(server, tools, { queries, principal: caller, now }, options);
    registerBuildingResources(server, { queries, principal: caller });
    registerMeterLatestResource(server, { queries, principal: caller }, now);
    if (options.names !== undefined) registerTopologyResource(server, options.names);
    if (options.registry !== undefined && options.names !== undefined)
      registerSchemaResource(server, options.registry, options.names);
    registerPrompts(server, { principal: caller, directory, now });
    // http: one instance per request (the SDK serves listen streams); otherwise one per connection.
    const connection = request?.requestInfo === undefined ? 'persistent' : 'http';
    options.subscriptions?.attach(server, { principal: caller, era: request?.era ?? 'legacy', connection });
    return server;
  };
}

export type { Principal, PrincipalClaims, Role, Scope } from './access/index.ts';
export {
  ALL_SCOPES,
  ALL_TENANTS,
  DEFAULT_TENANT,
  principal,
  principalOf,
  ROLE_SCOPES,
  ROLES,
  SCOPES,
  seesTenant,
} from './access/index.ts';
export type { AnswerMeta } from './answer-json.ts';
export { answerMeta } from './answer-json.ts';
export type {
  AuditLossReason,
  AuditTrailMetrics,
  KafkaAuditTrailOptions,
  RunningToolAuditTrail,
} from './audit/index.ts';
export {
  AUDIT_OUTCOME_OF,
  AUDIT_UNRECORDED_METRIC,
  auditTrailMetrics,
  createKafkaAuditTrail,
  MCP_AUDIT_SOURCE,
  provenanceSummary,
  REDACTED,
  redactArguments,
  redactedArgumentsJson,
  TOOL_CALL_ACTION,
  toolCallAuditRecord,
} from './audit/index.ts';
export type { BuildingDirectory } from './building-directory.ts';
export { createBuildingDirectory } from './building-directory.ts';
export { toolCacheKey } from './cached-tool-run.ts';
export type { ControlReads } from './control-writes.ts';
export type { McpReads, McpServerOptions } from './create-server.ts';
export { createMcpServerFactory, LOCAL_ADMIN, SERVER_INFO } from './create-server.ts';
export type { ToolAnswer, ToolCachePolicy, ToolContext, ToolDefinition } from './define-tool.ts';
export {
  CONTROL_TOOL,
  defineTool,
  IDEMPOTENT_WRITE_TOOL,
  READ_ONLY_TOOL,
  ToolRefusal,
} from './define-tool.ts';
export type {
  JwtVerifier,
  JwtVerifierOptions,
  LocalSigningKey,
  MintedToken,
  TokenGrant,
  TokenKeys,
  TokenRequest,
  VerifiedToken,
} from './identity/index.ts';
export {
  createJwtVerifier,
  ensureLocalSigningKey,
  grantOf,
  isTokenInvalid,
  localKeyDirOf,
  mintToken,
  tokenKeysOf,
} from './identity/index.ts';
export type {
  HttpRequestLimiter,
  HttpRequestLimiterOptions,
  RateLimitSettings,
  RateLimitSource,
  RateLimitWindows,
  RedisToolCallLimiterOptions,
} from './limits/index.ts';
export {
  createHttpRequestLimiter,
  createRedisToolCallLimiter,
  DEFAULT_RATE_LIMIT_WINDOWS,
  httpClientOf,
  RateLimitsUnavailableError,
} from './limits/index.ts';
export type {
  AccessTokenVerifier,
  BuildingSeries,
  OpsPageAuth,
  OpsPageReads,
  OpsPageServerOptions,
  RunningOpsPageServer,
  TopicRates,
} from './ops-page/index.ts';
export {
  buildingSeries,
  createTopicRates,
  isPipelineAdmin,
  startOpsPageServer,
  TOKEN_COOKIE,
} from './ops-page/index.ts';
export type {
  ConsumerGroupStatus,
  DeadLetterRecord,
  PartitionOffsets,
  PipelineAdmin,
  PipelineTopic,
  RedriveCommand,
  RedriveOutcome,
} from './pipeline-admin.ts';
export type { PromptContext, PromptDefinition } from './prompts/index.ts';
export { PROMPTS, registerPrompts } from './prompts/index.ts';
export type { AnyTool, ToolInstrumentation, ToolRun } from './register-tools.ts';
export { registerTools, runTool } from './register-tools.ts';
export { BUILDING_URI_TEMPLATE, BUILDINGS_URI } from './resources/buildings/index.ts';
export { METER_LATEST_URI_TEMPLATE } from './resources/meters/index.ts';
export { SCHEMA_URI_TEMPLATE } from './resources/schemas/index.ts';
export type {
  ResourceChange,
  ResourceChangePublisher,
  ResourceSubscriptions,
  ResourceSubscriptionsDeps,
  ServedConnection,
} from './resources/subscriptions/index.ts';
export {
  buildingUri,
  createResourceChangePublisher,
  createResourceSubscriptions,
  meterLatestUri,
  resourceChangesChannel,
  resourceChangesOf,
} from './resources/subscriptions/index.ts';
export type { Topology } from './resources/topology/index.ts';
export { describeTopology, TOPOLOGY_URI } from './resources/topology/index.ts';
export { seesBuilding, tenantFilter, visibleBuilding } from './tenancy.ts';
export type {
  FinishedToolCall,
  ToolAuditTrail,
  ToolCall,
  ToolCallLimiter,
  ToolCallOutcome,
} from './tool-call-policy.ts';
export { TOOL_ERROR_CODE, toolErrorOf, toolResultErrorCode } from './tool-errors.ts';
export type { ToolName } from './tool-names.ts';
export { TOOL_NAMES } from './tool-names.ts';
export { renderToolReference, TOOL_REFERENCE_MARKERS, withToolReference } from './tool-reference.ts';
// Analytics tools (issue 15).
export {
  approveControlCommand,
  benchmarkTrend,
  cancelControlCommand,
  compareToPeers,
  dataQualityReport,
  estimateSavings,
  findSimilarBuildings,
  getBuilding,
  getCommandStatus,
  getCurrentWeather,
  getLatestReadings,
  getLatestReadingsInput,
  getLatestReadingsOutput,
  getOperationStats,
  getPipelineStatus,
  getReplayStatus,
  heartbeatControlCommand,
  listAnomalies,
  listAuditRecords,
  listBuildings,
  listDeadLetters,
  proposeControlCommand,
  queryConsumptionTool,
  recommendActions,
  redriveDeadLetters,
  showDeadLetter,
  TOOLS,
  weatherImpact,
} from './tools/index.ts';
export type { McpHttpAuth, McpHttpServerOptions, RunningMcpHttpServer } from './transports/index.ts';
export { defaultResourceUri, startMcpHttpServer, startMcpStdioServer } from './transports/index.ts';

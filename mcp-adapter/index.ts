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
export type { McpReads, McpServerOptions } from './create-server.ts';
export { createMcpServerFactory, LOCAL_ADMIN, SERVER_INFO } from './create-server.ts';
export type { ToolAnswer, ToolContext, ToolDefinition } from './define-tool.ts';
export {
  CONTROL_TOOL,
  defineTool,
  IDEMPOTENT_WRITE_TOOL,
  READ_ONLY_TOOL,
  ToolRefusal,
} from './define-tool.ts';
export type {
  ConsumerGroupStatus,
  DeadLetterRecord,
  PartitionOffsets,
  PipelineAdmin,
  PipelineTopic,
  RedriveCommand,
  RedriveOutcome,
} from './pipeline-admin.ts';
export type { AnyTool, ToolInstrumentation, ToolRun } from './register-tools.ts';
export { registerTools, runTool } from './register-tools.ts';
export { BUILDING_URI_TEMPLATE } from './resources/buildings/index.ts';
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
export {
  compareToPeers,
  dataQualityReport,
  getCommandStatus,
  getLatestReadings,
  getLatestReadingsInput,
  getLatestReadingsOutput,
  getOperationStats,
  getPipelineStatus,
  getReplayStatus,
  listAnomalies,
  listDeadLetters,
  queryConsumptionTool,
  redriveDeadLetters,
  showDeadLetter,
  TOOLS,
  weatherImpact,
} from './tools/index.ts';
export type { McpHttpServerOptions, RunningMcpHttpServer } from './transports/index.ts';
export { startMcpHttpServer, startMcpStdioServer } from './transports/index.ts';

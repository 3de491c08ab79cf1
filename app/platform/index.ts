export type { Platform, PlatformEndpoints } from './connect-platform.ts';
export { connectPlatform } from './connect-platform.ts';
export type { LocalTokenRequest } from './mcp-identity.ts';
export { issueLocalToken, localPrincipalOf, mcpAudienceOf, mcpHttpSettings } from './mcp-identity.ts';
export type { ObservePlatformOptions, PlatformObservability } from './observe-platform.ts';
export {
  metricsServerSettings,
  observeIfEnabled,
  observePlatform,
  projectorGroup,
} from './observe-platform.ts';
export type { PlatformOpsPage } from './ops-page.ts';
export { opsPageAuthOf, startPlatformOpsPage } from './ops-page.ts';
export { createPlatformPipelineAdmin, MCP_REDRIVE_SOURCE } from './pipeline-admin.ts';
export type { PlatformMcpServerOptions } from './platform-mcp-server.ts';
export {
  createPlatformAuditTrail,
  platformHttpRequestLimiter,
  platformMcpServerFactory,
  platformResourceSubscriptions,
} from './platform-mcp-server.ts';
export { preparePlatform } from './prepare-platform.ts';
export type { ProcessRuntime, ProcessRuntimeOptions } from './process-runtime.ts';
export { cacheTtlsOf, createProcessRuntime } from './process-runtime.ts';
export { projectionsStatus, rebuildNamedProjection } from './projections-admin.ts';
export type { RefoldProgress } from './refold-projector.ts';
export { refoldProjector } from './refold-projector.ts';
export { resolveEndpoints } from './resolve-endpoints.ts';
export type { RewindOptions, RewindResult, RewindTarget } from './rewind-projector.ts';
export { rewindProjector } from './rewind-projector.ts';
export { runDeadLetterIndex } from './run-dead-letter-index.ts';
export type { RunningProcessors, RunProcessorsOptions } from './run-processors.ts';
export { ALL_PROCESSORS, runProcessors } from './run-processors.ts';
export type { ConsumedPosition, RunningProjector, RunProjectorOptions } from './run-projector.ts';
export { runProjector } from './run-projector.ts';
export { untilSignal } from './run-until-signal.ts';
export type { PlatformWeatherPoller } from './run-weather-poller.ts';
export { assertWeatherStations, createPlatformWeatherPoller } from './run-weather-poller.ts';
export type { TelemetryRecorderOptions } from './telemetry-recorder.ts';
export { createTelemetryRecorder, operationRecordedEvent } from './telemetry-recorder.ts';

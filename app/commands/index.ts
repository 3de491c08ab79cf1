export type { AuditListOptions } from './audit-command.ts';
export { addAuditCommand, auditList, auditQueryOf, auditTable, parseInstantOrAge } from './audit-command.ts';
export type { CommandContext } from './command-context.ts';
export { withPlatform } from './command-context.ts';
export type { ShownValue } from './config-command.ts';
export {
  addConfigCommand,
  configEncrypt,
  configShow,
  effectiveValues,
  globalConfigArgs,
} from './config-command.ts';
export type { ControlCommandDeps, ProposeFlags } from './control-command.ts';
export {
  actorOf,
  addControlCommand,
  CLI_CONTROL_SOURCE,
  commandAct,
  commandPropose,
  commandStatus,
  controlCommandDepsOf,
  proposalOf,
  statusLines,
} from './control-command.ts';
export type {
  DemoControlPoint,
  DemoDevice,
  DemoDevicesSettings,
  RunningDemoDevices,
} from './demo-devices.ts';
export { demoBacnetPointMap, demoDevicesHelp, startDemoDevices } from './demo-devices.ts';
export type { DesktopAgentServer, DesktopAgentSettings } from './desktop-agent-config.ts';
export { desktopAgentConfig, desktopAgentServer } from './desktop-agent-config.ts';
export { addDlqCommand, dlqList, dlqRedrive, dlqShow, topicKeyByName } from './dlq-command.ts';
export type { GatewayFlags, OpenGateway } from './gateway-command.ts';
export { addGatewayCommand, GATEWAY_PROTOCOLS, gatewayCommand, protocolOfFile } from './gateway-command.ts';
export type { SimulateBacnetFlags, SimulatedPointsOptions, SimulateModbusFlags } from './gateway-simulate.ts';
export { simulateBacnetCommand, simulatedPlantPoints, simulateModbusCommand } from './gateway-simulate.ts';
export type {
  StartedGateway,
  StartGatewayDeps,
  StartGatewayOptions,
} from './gateway-start.ts';
export { executorPointsOf, startGateway } from './gateway-start.ts';
export { addImportCommand, chooseFormat, importFile, summaryTable } from './import-command.ts';
export { addMcpCommand } from './mcp-command.ts';
export { addModelsCommand, CLI_MODELS_SOURCE, horizonsOf, instantOf } from './models-command.ts';
export { addProcessCommand } from './process-command.ts';
export { addProjectCommand } from './project-command.ts';
export { addProjectionsCommand, projectionsList, projectionsRebuild } from './projections-command.ts';
export { addReplayCommand } from './replay-command.ts';
export { addSchemasCommand, formatSchemaChecks, schemasCheckCommand } from './schemas-command.ts';
export type { SimulateFlags } from './simulate-command.ts';
export {
  addSimulateCommand,
  groundTruthFor,
  parseDuration,
  parseFaultRates,
  publishDepsOf,
  simulateCommand,
  simulationSettingsOf,
} from './simulate-command.ts';
export { addStackCommand } from './stack-command.ts';
export type { StartOptions } from './start-command.ts';
export { addStartCommand, inspectorHelp, startCommand } from './start-command.ts';
export type { TokenIssueOptions } from './token-command.ts';
export { addTokenCommand, parseTtl, tokenIssue } from './token-command.ts';
export { addWeatherCommand, pollSummary } from './weather-command.ts';

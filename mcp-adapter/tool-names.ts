/** Every tool the server offers; one place so names cannot drift between code, tests and docs. */
export const TOOL_NAMES = {
  getLatestReadings: 'get_latest_readings',
  queryConsumption: 'query_consumption',
  compareToPeers: 'compare_to_peers',
  weatherImpact: 'weather_impact',
  estimateSavings: 'estimate_savings',
  listAnomalies: 'list_anomalies',
  dataQualityReport: 'data_quality_report',
  getCommandStatus: 'get_command_status',
  proposeControlCommand: 'propose_control_command',
  approveControlCommand: 'approve_control_command',
  cancelControlCommand: 'cancel_control_command',
  heartbeatControlCommand: 'heartbeat_control_command',
  listBuildings: 'list_buildings',
  getBuilding: 'get_building',
  getCurrentWeather: 'get_current_weather',
  listAuditRecords: 'list_audit_records',
  getPipelineStatus: 'get_pipeline_status',
  getReplayStatus: 'get_replay_status',
  getOperationStats: 'get_operation_stats',
  listDeadLetters: 'list_dead_letters',
  showDeadLetter: 'show_dead_letter',
  redriveDeadLetters: 'redrive_dead_letters',
  // Forecast models (issue 15).
  forecastConsumption: 'forecast_consumption',
  compareModels: 'compare_models',
  promoteModel: 'promote_model',
  // Analytics (issue 15).
  recommendActions: 'recommend_actions',
  findSimilarBuildings: 'find_similar_buildings',
  benchmarkTrend: 'benchmark_trend',
} as const;

export type ToolName = (typeof TOOL_NAMES)[keyof typeof TOOL_NAMES];

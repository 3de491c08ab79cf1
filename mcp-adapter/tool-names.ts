/** Every tool the server offers; one place so names cannot drift between code, tests and docs. */
export const TOOL_NAMES = {
  getLatestReadings: 'get_latest_readings',
} as const;

export type ToolName = (typeof TOOL_NAMES)[keyof typeof TOOL_NAMES];

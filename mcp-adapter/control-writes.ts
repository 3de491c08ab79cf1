import type { ControlEventSink } from '../processors/index.ts';
import { ToolRefusal } from './define-tool.ts';

/**
 * The part of the tools' reads that holds the control port: where proposals and actions go
 * (control-commands, control-actions). The composition builds it from the platform's producer and
 * codec; with the admin tools' re-drive, the adapter's only writes to Kafka.
 */
export interface ControlReads {
  readonly control?: ControlEventSink | undefined;
}

/** The control port of a server built without one: control tools say so and send nothing. */
export function controlSinkOf(reads: ControlReads): ControlEventSink {
  if (reads.control === undefined) {
    throw new ToolRefusal(
      'This MCP server was started without a way to send control commands (no Kafka producer), so nothing was sent; use `eaio command` on the host, or ask for the server to be started by `npm start` / `eaio mcp`.',
    );
  }
  return reads.control;
}

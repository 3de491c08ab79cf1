import { describe, expect, it } from 'vitest';
import { operationRecordedEvent } from '../../app/platform/index.ts';

const stamped = {
  eventId: '6f1c3c1e-1111-4222-8333-944444444444',
  occurredAt: new Date(Date.UTC(2026, 0, 1)),
  source: 'eaio.mcp',
  component: 'mcp',
  operation: 'mcp.tool:get_latest_readings',
  durationMs: 2,
  details: { rows: '3' },
};

describe('telemetry event: a recorded operation as OperationRecorded', () => {
  it('is ok with null error code, actor and trace context when the operation went well', () => {
    expect(operationRecordedEvent(stamped)).toEqual({
      ...stamped,
      actor: null,
      outcome: 'ok',
      errorCode: null,
      traceContext: null,
    });
  });

  it('is an error carrying the code, and the actor when known', () => {
    const event = operationRecordedEvent({ ...stamped, errorCode: 'TOOL_ERROR', actor: 'agent:a' });
    expect(event).toMatchObject({ outcome: 'error', errorCode: 'TOOL_ERROR', actor: 'agent:a' });
  });
});

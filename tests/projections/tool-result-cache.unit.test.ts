import { describe, expect, it } from 'vitest';
import type { ProjectionEvent } from '../../projections/projection.ts';
import { tagsToInvalidate } from '../../projections/tool-result-cache/index.ts';
import type { TopicKey } from '../../schemas/index.ts';

const at = new Date(Date.UTC(2026, 0, 5));
const position = { partition: 0, offset: '1' };

describe('cache tags of a batch', () => {
  it('names each building, meter and station the batch touched, once each', () => {
    const events: ProjectionEvent<TopicKey>[] = [
      {
        ...position,
        topic: 'sensorReadings',
        event: {
          eventId: 'r1',
          occurredAt: at,
          source: 't',
          buildingId: 'B1',
          meterId: 'B1:e',
          meterKind: 'electricity',
          value: 1,
          unit: 'kWh',
        },
      },
      {
        ...position,
        topic: 'sensorReadings',
        event: {
          eventId: 'r2',
          occurredAt: at,
          source: 't',
          buildingId: 'B1',
          meterId: 'B1:e',
          meterKind: 'electricity',
          value: 2,
          unit: 'kWh',
        },
      },
      {
        ...position,
        topic: 'weatherObservations',
        event: { eventId: 'w1', occurredAt: at, source: 't', stationId: 'KBOS' },
      },
      {
        ...position,
        topic: 'buildings',
        event: {
          eventId: 'b1',
          occurredAt: at,
          source: 't',
          buildingId: 'B2',
          primaryUse: 'Office',
          timezone: 'UTC',
        },
      },
      {
        ...position,
        topic: 'auditLog',
        event: {
          eventId: 'a1',
          occurredAt: at,
          source: 't',
          actor: 'user:x',
          action: 'replay',
          target: 't',
          outcome: 'success',
          details: {},
        },
      },
    ];
    expect(tagsToInvalidate(events)).toEqual([
      'building:B1',
      'meter:B1:e',
      'station:KBOS',
      'building:B2',
      'building-info:B2',
      'portfolio',
      'building-registry',
    ]);
    expect(tagsToInvalidate([])).toEqual([]);
  });
});

import type { ControlPointRegistered, MeterRegistered } from '../../../schemas/index.ts';
import { derivedEventId } from '../../../schemas/index.ts';
import type { GatewayPoint, MeterPoint, SetpointPoint } from '../point-map.ts';

/**
 * The registrations of a point map: a MeterRegistered per meter, a ControlPointRegistered per setpoint
 * (its limits, zone, approval policy and this gateway as the one that writes it). Ids are derived from the
 * description, so a gateway restarted with an unchanged map re-registers with the same event ids.
 */
export function registrationsOf(
  gatewayId: string,
  points: readonly GatewayPoint[],
  at: Date,
): { meters: MeterRegistered[]; controlPoints: ControlPointRegistered[] } {
  const meters = points
    .filter((p): p is MeterPoint => p.role === 'meter')
    .map((p): MeterRegistered => {
      const body = {
        meterId: p.pointId,
        buildingId: p.buildingId,
        meterKind: p.meterKind,
        unit: p.unit,
        brickClass: p.brickClass ?? null,
      };
      return {
        eventId: derivedEventId('gateway-registration', gatewayId, JSON.stringify(body)),
        occurredAt: at,
        source: gatewayId,
        ...body,
      };
    });
  const controlPoints = points
    .filter((p): p is SetpointPoint => p.role === 'setpoint')
    .map((p): ControlPointRegistered => {
      const body = {
        pointId: p.pointId,
        buildingId: p.buildingId,
        pointKind: p.pointKind,
        unit: p.unit,
        minValue: p.minValue,
        maxValue: p.maxValue,
        maxChangePerMinute: p.maxChangePerMinute ?? null,
        brickClass: p.brickClass ?? null,
        zoneId: p.zoneId ?? null,
        requiresApproval: p.requiresApproval,
        approvalTimeoutSeconds: p.approvalTimeoutSeconds ?? null,
        gatewayId,
      };
      return {
        eventId: derivedEventId('gateway-registration', gatewayId, JSON.stringify(body)),
        occurredAt: at,
        source: gatewayId,
        ...body,
      };
    });
  return { meters, controlPoints };
}

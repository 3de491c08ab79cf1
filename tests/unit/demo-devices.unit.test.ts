import { describe, expect, it } from 'vitest';
import { demoBacnetPointMap, demoDevicesHelp } from '../../app/commands/index.ts';

describe('demo devices', () => {
  it("keeps the BACnet zone's point ids apart from the plant's when the demo has one building", () => {
    const own = demoBacnetPointMap({
      deviceAddress: '127.0.0.1:40000',
      buildingId: 'B',
      sharedWith: 'A',
      pollSeconds: 5,
    });
    const shared = demoBacnetPointMap({
      deviceAddress: '127.0.0.1:40000',
      buildingId: 'A',
      sharedWith: 'A',
      pollSeconds: 5,
    });
    expect(own.points.map((p) => p.pointId)).toContain('B/zone-1/cooling-setpoint');
    const ids = shared.points.map((p) => p.pointId);
    expect(ids).toContain('A/zone-2/cooling-setpoint');
    expect(ids.some((id) => id.includes('zone-1'))).toBe(false);
    for (const p of shared.points) if (p.role === 'setpoint') expect(p.zoneId).toBe('A/zone-2');
    expect(shared.gateway.mode).toBe('read-write');
  });

  it('lists every control point, marks approval, and prints both a CLI and an MCP example', () => {
    const map = demoBacnetPointMap({
      deviceAddress: '127.0.0.1:40000',
      buildingId: 'B',
      sharedWith: 'A',
      pollSeconds: 5,
    });
    const controlPoints = map.points.flatMap((p) => (p.role === 'setpoint' ? [p] : []));
    const lines = demoDevicesHelp(
      [{ protocol: 'bacnet', address: '127.0.0.1:40000', gatewayId: 'g', buildingId: 'B', controlPoints }],
      'propose_control_command',
    );
    for (const p of controlPoints) expect(lines.some((l) => l.includes(p.pointId))).toBe(true);
    expect(lines.filter((l) => l.includes('needs approval'))).toHaveLength(1);
    expect(lines.find((l) => l.includes('npx eaio command propose'))).toContain(
      '--point B/zone-1/cooling-setpoint --value 25 --unit degC',
    );
    const tool = lines.find((l) => l.includes('propose_control_command'));
    expect(JSON.parse(tool?.slice(tool.indexOf('{')) ?? 'null')).toMatchObject({
      buildingId: 'B',
      pointId: 'B/zone-1/cooling-setpoint',
      priority: 12,
    });
  });
});

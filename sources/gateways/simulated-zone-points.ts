/**
 * What one zone of a simulated device is to the platform, whatever the protocol: its setpoints with
 * their limits and policy, its lighting and its temperature. The Modbus plant and the BACnet device
 * map the same zone, each adding where a point lives (a register, an object), so both demos and every
 * test that drives them agree on ids and limits.
 */
export function simulatedZonePoints(zone: string, buildingId: string, pollSeconds: number) {
  const base = { buildingId, pollSeconds };
  const setpoint = { ...base, role: 'setpoint', zoneId: zone } as const;
  return {
    coolingSetpoint: {
      ...setpoint,
      pointId: `${zone}/cooling-setpoint`,
      pointKind: 'cooling_setpoint',
      unit: 'degC',
      minValue: 21,
      maxValue: 28,
      brickClass: 'Zone_Air_Cooling_Temperature_Setpoint',
    },
    heatingSetpoint: {
      ...setpoint,
      pointId: `${zone}/heating-setpoint`,
      pointKind: 'heating_setpoint',
      unit: 'degC',
      minValue: 16,
      maxValue: 23,
      brickClass: 'Zone_Air_Heating_Temperature_Setpoint',
    },
    dimming: {
      ...setpoint,
      pointId: `${zone}/dimming`,
      pointKind: 'lighting_level',
      unit: 'percent',
      minValue: 0,
      maxValue: 100,
    },
    // Switching a zone's lights is the demo's example of a point that needs a second principal.
    lighting: {
      ...setpoint,
      pointId: `${zone}/lighting`,
      pointKind: 'lighting_level',
      unit: 'boolean',
      minValue: 0,
      maxValue: 1,
      requiresApproval: true,
      approvalTimeoutSeconds: 300,
    },
    temperature: {
      ...base,
      role: 'sensor',
      pointId: `${zone}/temperature`,
      unit: 'degC',
      brickClass: 'Zone_Air_Temperature_Sensor',
    },
  } as const;
}

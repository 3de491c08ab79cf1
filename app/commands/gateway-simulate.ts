import { writeFile } from 'node:fs/promises';
import {
  plantAddresses,
  simulatedZoneObjects,
  simulatedZonePointMap,
  simulatedZonePoints,
  startSimulatedBacnetDevice,
  startSimulatedModbusPlant,
} from '../../sources/index.ts';
import { untilSignal } from '../platform/index.ts';
import type { CommandContext } from './command-context.ts';

export interface SimulatedPointsOptions {
  readonly host: string;
  readonly port: number;
  readonly zones: number;
  readonly gatewayId: string;
  readonly buildingId: string;
  readonly mode: 'read-only' | 'read-write';
  readonly pollSeconds: number;
}

/**
 * A points file for the simulated plant (`eaio gateway simulate-modbus`): per zone its cooling and
 * heating setpoints (relinquishing to the plant's defaults, 24 and 20 degC), lighting on/off (approval
 * required) and dimming, the zone temperature and the energy meter (a counter).
 */
export function simulatedPlantPoints(o: SimulatedPointsOptions): Record<string, unknown> {
  const points = Array.from({ length: o.zones }, (_, i) => {
    const a = plantAddresses(i);
    const zone = `${o.buildingId}/zone-${i + 1}`;
    const p = simulatedZonePoints(zone, o.buildingId, o.pollSeconds);
    const holding = { table: 'holding' } as const;
    return [
      {
        ...p.coolingSetpoint,
        ...holding,
        relinquishDefault: 24,
        address: a.coolingSetpoint,
        type: 'float32',
      },
      {
        ...p.heatingSetpoint,
        ...holding,
        relinquishDefault: 20,
        address: a.heatingSetpoint,
        type: 'float32',
      },
      { ...p.dimming, ...holding, relinquishDefault: 100, address: a.dimming, type: 'uint16' },
      { ...p.lighting, relinquishDefault: 0, table: 'coil', address: a.lighting, type: 'bool' },
      { ...p.temperature, table: 'input', address: a.temperature, type: 'float32' },
      {
        buildingId: o.buildingId,
        pollSeconds: o.pollSeconds,
        role: 'meter',
        pointId: `${zone}/energy`,
        meterKind: 'electricity',
        unit: 'kWh',
        valueIs: 'cumulative',
        table: 'input',
        address: a.energy,
        type: 'uint32',
        // The plant counts hundredths of a kWh.
        scale: 0.01,
        brickClass: 'Electrical_Energy_Sensor',
      },
    ];
  }).flat();
  return {
    gateway: {
      id: o.gatewayId,
      protocol: 'modbus',
      mode: o.mode,
      host: o.host,
      port: o.port,
      defaultPriority: 8,
      staleAfterPolls: 3,
    },
    points,
  };
}

export interface SimulateModbusFlags {
  readonly host: string;
  readonly port: number;
  readonly zones: number;
  readonly writePoints?: string;
  readonly gatewayId: string;
  readonly buildingId: string;
  readonly mode: 'read-only' | 'read-write';
  readonly pollSeconds: number;
}

/** `eaio gateway simulate-modbus`: the loopback plant until a signal, and optionally its points file. */
export async function simulateModbusCommand(
  context: CommandContext,
  flags: SimulateModbusFlags,
): Promise<void> {
  const plant = await startSimulatedModbusPlant({ host: flags.host, port: flags.port, zones: flags.zones });
  try {
    if (flags.writePoints !== undefined) {
      const points = simulatedPlantPoints({ ...flags, host: plant.host, port: plant.port });
      await writeFile(flags.writePoints, `${JSON.stringify(points, null, 2)}\n`);
      context.say(`Wrote the plant's points file to ${flags.writePoints}.`);
    }
    context.say(
      `Simulated Modbus plant (${plant.zoneCount} zone(s)) on ${plant.host}:${plant.port}; stop with Ctrl+C.`,
    );
    await untilSignal();
  } finally {
    await plant.close();
  }
}

export interface SimulateBacnetFlags {
  readonly host: string;
  readonly port: number;
  readonly deviceInstance: number;
  readonly writePoints?: string;
  readonly gatewayId: string;
  readonly buildingId: string;
  readonly mode: 'read-only' | 'read-write';
  readonly pollSeconds: number;
}

/** `eaio gateway simulate-bacnet`: a one-zone BACnet/IP device on loopback until a signal, and optionally its points file. */
export async function simulateBacnetCommand(
  context: CommandContext,
  flags: SimulateBacnetFlags,
): Promise<void> {
  const device = await startSimulatedBacnetDevice({
    host: flags.host,
    port: flags.port,
    deviceInstance: flags.deviceInstance,
    objects: simulatedZoneObjects(),
  });
  try {
    if (flags.writePoints !== undefined) {
      const points = simulatedZonePointMap({
        deviceAddress: device.address,
        deviceInstance: device.deviceInstance,
        buildingId: flags.buildingId,
        gatewayId: flags.gatewayId,
        mode: flags.mode,
        pollSeconds: flags.pollSeconds,
      });
      await writeFile(flags.writePoints, `${JSON.stringify(points, null, 2)}\n`);
      context.say(`Wrote the device's points file to ${flags.writePoints}.`);
    }
    context.say(
      `Simulated BACnet device ${device.deviceInstance} (one zone) on ${device.address} (UDP); stop with Ctrl+C.`,
    );
    await untilSignal();
  } finally {
    await device.close();
  }
}

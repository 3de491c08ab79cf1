import {
  type BacnetPointMap,
  createBacnetGateway,
  createModbusGateway,
  type GatewayPointMap,
  parseBacnetPointMap,
  parseModbusPointMap,
  type SimulatedBacnetDevice,
  type SimulatedModbusPlant,
  simulatedZoneObjects,
  simulatedZonePointMap,
  startSimulatedBacnetDevice,
  startSimulatedModbusPlant,
} from '../../sources/index.ts';
import { simulatedPlantPoints } from './gateway-simulate.ts';
import { type StartedGateway, type StartGatewayDeps, startGateway } from './gateway-start.ts';

/** Where and how `npm start` runs its demo devices. */
export interface DemoDevicesSettings {
  /** The demo's buildings (the simulator's fleet): the plant takes the first, the BACnet device the second. */
  readonly buildingIds: readonly string[];
  /** TCP port of the Modbus plant on 127.0.0.1; 0 takes a free one. */
  readonly modbusPort: number;
  /** UDP port of the BACnet device on 127.0.0.1; 0 takes a free one. */
  readonly bacnetPort: number;
  /** Poll interval of every demo point (default 5 s: fresh enough for an agent's first command). */
  readonly pollSeconds?: number;
  /** Tick of the command executors (default 1000 ms). */
  readonly tickMs?: number;
}

/** A demo setpoint as the connection help lists it. */
export interface DemoControlPoint {
  readonly pointId: string;
  readonly pointKind: string;
  readonly unit: string;
  readonly minValue: number;
  readonly maxValue: number;
  readonly requiresApproval: boolean;
}

/** One demo device and its gateway. */
export interface DemoDevice {
  readonly protocol: 'modbus' | 'bacnet';
  /** `host:port` of the simulated device (TCP for Modbus, UDP for BACnet). */
  readonly address: string;
  readonly gatewayId: string;
  readonly buildingId: string;
  readonly controlPoints: readonly DemoControlPoint[];
}

export interface RunningDemoDevices {
  readonly devices: readonly DemoDevice[];
  /** The simulated devices themselves, for tests to read what was written. */
  readonly plant: SimulatedModbusPlant;
  readonly bacnet: SimulatedBacnetDevice;
  /** Stops both gateways (executors, polls), then the simulated devices. */
  stop(): Promise<void>;
}

export const DEMO_MODBUS_GATEWAY_ID = 'modbus-gw:demo';
export const DEMO_BACNET_GATEWAY_ID = 'bacnet-gw:demo';
/** Device instance of the demo BACnet device. */
const DEMO_BACNET_DEVICE = 4_100;
const DEFAULT_POLL_SECONDS = 5;

/**
 * `npm start`'s demo devices: a simulated Modbus plant and a simulated BACnet device on loopback, one
 * zone each in a demo building, each behind its gateway in read-write mode, run exactly as `eaio
 * gateway` runs a point map ({@link startGateway}): so a proposed command to a demo setpoint is decided,
 * written, read back and relinquished end to end. The lighting on/off points require approval. The
 * topics and schemas must exist already. Whatever started is stopped again when a later step fails.
 */
export async function startDemoDevices(
  deps: StartGatewayDeps,
  settings: DemoDevicesSettings,
): Promise<RunningDemoDevices> {
  const [modbusBuilding, second] = settings.buildingIds;
  if (modbusBuilding === undefined) throw new Error('the demo devices need at least one demo building');
  const bacnetBuilding = second ?? modbusBuilding;
  const pollSeconds = settings.pollSeconds ?? DEFAULT_POLL_SECONDS;
  const tickMs = settings.tickMs ?? 1000;
  const cleanup: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    // Gateways before devices: a gateway stopping must not see its device vanish mid-relinquish.
    for (const stop of cleanup.splice(0).reverse()) await stop().catch(() => undefined);
  };
  try {
    const plant = await startSimulatedModbusPlant({ host: '127.0.0.1', port: settings.modbusPort, zones: 1 });
    cleanup.push(() => plant.close());
    const modbusMap = parseModbusPointMap(
      simulatedPlantPoints({
        host: plant.host,
        port: plant.port,
        zones: 1,
        gatewayId: DEMO_MODBUS_GATEWAY_ID,
        buildingId: modbusBuilding,
        mode: 'read-write',
        pollSeconds,
      }),
      'demo Modbus plant',
    );
    const modbus = await startGateway(deps, modbusMap, createModbusGateway(modbusMap), { tickMs });
    cleanup.push(() => modbus.stop());

    const bacnet = await startSimulatedBacnetDevice({
      host: '127.0.0.1',
      port: settings.bacnetPort,
      deviceInstance: DEMO_BACNET_DEVICE,
      deviceName: 'EAIO demo device',
      objects: simulatedZoneObjects(),
    });
    cleanup.push(() => bacnet.close());
    const bacnetMap = demoBacnetPointMap({
      deviceAddress: bacnet.address,
      buildingId: bacnetBuilding,
      sharedWith: modbusBuilding,
      pollSeconds,
    });
    const bacnetGateway = await startGateway(deps, bacnetMap, createBacnetGateway(bacnetMap), { tickMs });
    cleanup.push(() => bacnetGateway.stop());

    return {
      devices: [
        demoDevice('modbus', `${plant.host}:${plant.port}`, modbus),
        demoDevice('bacnet', bacnet.address, bacnetGateway),
      ],
      plant,
      bacnet,
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

function demoDevice(protocol: DemoDevice['protocol'], address: string, started: StartedGateway): DemoDevice {
  const map: GatewayPointMap = started.map;
  return {
    protocol,
    address,
    gatewayId: map.gateway.id,
    buildingId: map.points[0]?.buildingId ?? '',
    controlPoints: map.points.flatMap((p) =>
      p.role === 'setpoint'
        ? [
            {
              pointId: p.pointId,
              pointKind: p.pointKind,
              unit: p.unit,
              minValue: p.minValue,
              maxValue: p.maxValue,
              requiresApproval: p.requiresApproval,
            },
          ]
        : [],
    ),
  };
}

/**
 * The demo BACnet device's point map. A one-building demo (`simulator.buildings=1`) puts both demo
 * zones in that building: the device's zone is then zone 2, so no point id is taken twice.
 */
export function demoBacnetPointMap(o: {
  readonly deviceAddress: string;
  readonly buildingId: string;
  /** The Modbus plant's building. */
  readonly sharedWith: string;
  readonly pollSeconds: number;
}): BacnetPointMap {
  const raw = simulatedZonePointMap({
    deviceAddress: o.deviceAddress,
    deviceInstance: DEMO_BACNET_DEVICE,
    buildingId: o.buildingId,
    gatewayId: DEMO_BACNET_GATEWAY_ID,
    mode: 'read-write',
    pollSeconds: o.pollSeconds,
  });
  return parseBacnetPointMap(
    o.buildingId === o.sharedWith ? renumberZone(raw, o.buildingId) : raw,
    'demo BACnet device',
  );
}

function renumberZone<T extends { points: readonly object[] }>(map: T, buildingId: string): T {
  const from = `${buildingId}/zone-1`;
  const to = `${buildingId}/zone-2`;
  const swap = (v: unknown) => (typeof v === 'string' && v.startsWith(from) ? to + v.slice(from.length) : v);
  return {
    ...map,
    points: map.points.map((p) =>
      Object.fromEntries(
        Object.entries(p).map(([k, v]) => [k, k === 'pointId' || k === 'zoneId' ? swap(v) : v]),
      ),
    ),
  };
}

/** The lines `npm start` prints about the demo devices: which control points exist, and one example. */
export function demoDevicesHelp(devices: readonly DemoDevice[], proposeTool: string): string[] {
  const lines = ['  Demo devices (simulated on loopback, gateways read-write):'];
  for (const d of devices) {
    lines.push(
      `    ${d.protocol === 'modbus' ? 'Modbus TCP plant' : 'BACnet/IP device'} ${d.address}  ${d.gatewayId}  building ${d.buildingId}`,
    );
    for (const p of d.controlPoints)
      lines.push(
        `      ${p.pointId}  ${p.unit} ${p.minValue}..${p.maxValue}${p.requiresApproval ? '  (needs approval by a second principal)' : ''}`,
      );
  }
  const example = devices[0]?.controlPoints.find((p) => p.pointKind === 'cooling_setpoint');
  if (example === undefined) return lines;
  const buildingId = devices[0]?.buildingId ?? '';
  const value = 25;
  lines.push(
    `  Try a command:  npx eaio command propose --building ${buildingId} --point ${example.pointId} --value ${value} --unit ${example.unit} --duration 10`,
    '                  then npx eaio command status <commandId>   (lighting: npx eaio command approve <commandId> --as user:someone-else)',
    `  Or the tool:    ${proposeTool} ${JSON.stringify({ buildingId, pointId: example.pointId, value, unit: example.unit, priority: 12, durationMinutes: 10 })}`,
  );
  return lines;
}

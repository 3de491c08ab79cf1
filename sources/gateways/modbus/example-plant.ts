import { fileURLToPath } from 'node:url';
import { loadModbusPointMap, type ModbusPointMap } from './point-map.ts';

/** The example points file: zone 1 of Office_Elizabeth on the simulated plant's zone 0. */
export const EXAMPLE_PLANT_POINTS_FILE = fileURLToPath(
  new URL('./examples/plant-points.json', import.meta.url),
);

/**
 * The example point map aimed at a running plant (its file says 127.0.0.1:5020; a test's plant
 * listens on an ephemeral port), optionally with gateway fields changed, e.g. `{ mode: 'read-only' }`.
 */
export async function loadExamplePlantPointMap(
  plant: { readonly host: string; readonly port: number },
  gateway: Partial<ModbusPointMap['gateway']> = {},
): Promise<ModbusPointMap> {
  const map = await loadModbusPointMap(EXAMPLE_PLANT_POINTS_FILE);
  return { ...map, gateway: { ...map.gateway, ...gateway, host: plant.host, port: plant.port } };
}

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ApplicationTag,
  ASN1_ARRAY_ALL,
  type BACNetObjectID,
  DEFAULT_BACNET_PORT,
  EngineeringUnits,
  ObjectType,
  PropertyIdentifier,
} from '@bacnet-js/client';
import type { ControlUnit } from '../../../schemas/index.ts';
import {
  type BacnetClient,
  classifyBacnetError,
  type OpenClientOptions,
  openBacnetClient,
} from './bacnet-client.ts';
import {
  type BacnetObjectType,
  type BacnetPointMapInput,
  isBinaryObject,
  objectTypeName,
  parseBacnetPointMap,
} from './point-map.ts';

/** A device that answered Who-Is with I-Am. */
export interface DiscoveredDevice {
  readonly deviceInstance: number;
  /** `host:port`, ready for a points file's `gateway.device.address`. */
  readonly address: string;
  readonly vendorId: number;
  readonly maxApdu: number;
  readonly segmentation: number;
}

export interface DiscoverOptions {
  /** Local interface to bind (default 0.0.0.0, every interface, which is what hears broadcast I-Ams). */
  readonly localAddress?: string;
  /** Local port (default 47808: devices often answer Who-Is with a broadcast to the standard port). 0 = ephemeral. */
  readonly localPort?: number;
  /** Where the Who-Is goes: a broadcast (default 255.255.255.255:47808) or one device's `host:port`. */
  readonly target?: string;
  /** How long I-Ams are collected, ms (default 3000). */
  readonly windowMs?: number;
  /** Only devices with instances in [lowLimit, highLimit] answer. */
  readonly lowLimit?: number;
  readonly highLimit?: number;
}

/** Binds the discovery socket, saying what to do when the port is taken (a gateway already runs here). */
async function bind(options: OpenClientOptions) {
  try {
    return await openBacnetClient(options);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(
      `cannot bind ${options.localAddress}:${options.localPort} (${reason}); if another BACnet application holds the port, ` +
        'use localPort 0 and a target host:port (broadcast I-Ams to 47808 are then not heard)',
      { cause: err },
    );
  }
}

const withPort = (address: string): string =>
  address.includes(':') ? address : `${address}:${DEFAULT_BACNET_PORT}`;

/** Sends one Who-Is and collects the I-Ams that arrive within the window, one entry per device instance. */
export async function discoverDevices(options: DiscoverOptions = {}): Promise<DiscoveredDevice[]> {
  const target = withPort(options.target ?? `255.255.255.255:${DEFAULT_BACNET_PORT}`);
  const opened = await bind({
    localAddress: options.localAddress ?? '0.0.0.0',
    localPort: options.localPort ?? DEFAULT_BACNET_PORT,
    timeoutMs: 3000,
    broadcastAddress: target,
  });
  const found = new Map<number, DiscoveredDevice>();
  try {
    opened.client.on('iAm', (content) => {
      const sender = content.header?.sender?.address ?? content.payload.address;
      if (!sender || found.has(content.payload.deviceId)) return;
      found.set(content.payload.deviceId, {
        deviceInstance: content.payload.deviceId,
        address: withPort(sender),
        vendorId: content.payload.vendorId,
        maxApdu: content.payload.maxApdu,
        segmentation: content.payload.segmentation,
      });
    });
    const limits =
      options.lowLimit !== undefined && options.highLimit !== undefined
        ? { lowLimit: options.lowLimit, highLimit: options.highLimit }
        : undefined;
    // No receiver: the transport sends to its broadcast address, which is the target (a broadcast or one device).
    opened.client.whoIs(limits);
    // I-Ams have no end marker: collecting for a fixed window is how Who-Is works.
    await new Promise((resolve) => setTimeout(resolve, options.windowMs ?? 3000));
  } finally {
    await opened.close();
  }
  return [...found.values()].sort((a, b) => a.deviceInstance - b.deviceInstance);
}

export interface BuildPointMapOptions {
  readonly buildingId: string;
  /** Default `bacnet-gw:<deviceInstance>`. */
  readonly gatewayId?: string;
  readonly localAddress?: string;
  readonly localPort?: number;
  readonly timeoutMs?: number;
}

/** An object of the device the draft leaves out, and why. */
export interface SkippedObject {
  readonly objectType: number;
  readonly instance: number;
  readonly name: string | null;
  readonly reason: string;
}

export interface DraftPointMap {
  /** A valid points file: read-only, every point a `sensor`, for the engineer to edit before use. */
  readonly map: BacnetPointMapInput;
  readonly skipped: readonly SkippedObject[];
}

/** Platform units of a BACnet EngineeringUnits value, where the platform has one. */
const UNITS: ReadonlyMap<number, ControlUnit> = new Map([
  [EngineeringUnits.DEGREES_CELSIUS, 'degC'],
  [EngineeringUnits.PERCENT, 'percent'],
  [EngineeringUnits.REVOLUTIONS_PER_MINUTE, 'rpm'],
  [EngineeringUnits.MINUTES, 'minutes'],
]);

const slug = (text: string): string =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');

/**
 * Reads the device's object-list and each supported object's name and units, and drafts a points
 * file: read-only mode, every point a sensor. Objects whose units the platform has no name for (e.g.
 * degrees Fahrenheit) or of other types are listed in `skipped`.
 */
export async function buildPointMap(
  device: { readonly address: string; readonly deviceInstance: number },
  options: BuildPointMapOptions,
): Promise<DraftPointMap> {
  const timeoutMs = options.timeoutMs ?? 3000;
  const localAddress = options.localAddress ?? '0.0.0.0';
  const localPort = options.localPort ?? DEFAULT_BACNET_PORT;
  const opened = await bind({ localAddress, localPort, timeoutMs });
  const receiver = { address: withPort(device.address) };
  try {
    const client = opened.client;
    const objectIds = await readObjectList(client, receiver, device.deviceInstance);
    const skipped: SkippedObject[] = [];
    const points: BacnetPointMapInput['points'][number][] = [];
    const usedIds = new Set<string>();
    for (const objectId of objectIds) {
      if (objectId.type === ObjectType.DEVICE) continue;
      const type = objectTypeName(objectId.type);
      if (!type) {
        skipped.push({
          objectType: objectId.type,
          instance: objectId.instance,
          name: null,
          reason: `object type ${ObjectType[objectId.type] ?? objectId.type} is not read by the gateway`,
        });
        continue;
      }
      const name = await readString(client, receiver, objectId, PropertyIdentifier.OBJECT_NAME);
      const unit = await unitOf(client, receiver, objectId, type);
      if (typeof unit !== 'string') {
        skipped.push({ objectType: objectId.type, instance: objectId.instance, name, reason: unit.reason });
        continue;
      }
      let pointId = `bacnet-${device.deviceInstance}-${slug(name ?? '') || `${type}-${objectId.instance}`}`;
      if (usedIds.has(pointId)) pointId = `${pointId}-${type}-${objectId.instance}`;
      usedIds.add(pointId);
      points.push({
        pointId,
        buildingId: options.buildingId,
        role: 'sensor',
        unit,
        objectType: type,
        objectInstance: objectId.instance,
      });
    }
    if (points.length === 0) {
      throw new Error(
        `device ${device.deviceInstance} at ${receiver.address} has no object the gateway can map (${skipped.length} skipped)`,
      );
    }
    const map: BacnetPointMapInput = {
      gateway: {
        id: options.gatewayId ?? `bacnet-gw:${device.deviceInstance}`,
        mode: 'read-only',
        protocol: 'bacnet',
        localAddress,
        localPort,
        device: { address: receiver.address, deviceInstance: device.deviceInstance },
        timeoutMs,
      },
      points,
    };
    // A draft that would not load is no help: check it the way `eaio gateway` will.
    parseBacnetPointMap(map, `draft for device ${device.deviceInstance}`);
    return { map, skipped };
  } finally {
    await opened.close();
  }
}

async function readObjectList(
  client: BacnetClient,
  receiver: { address: string },
  instance: number,
): Promise<BACNetObjectID[]> {
  const deviceId = { type: ObjectType.DEVICE, instance };
  const asIds = (values: readonly { type: number; value: unknown }[]) =>
    values.filter((v) => v.type === ApplicationTag.OBJECTIDENTIFIER).map((v) => v.value as BACNetObjectID);
  try {
    return asIds((await client.readProperty(receiver, deviceId, PropertyIdentifier.OBJECT_LIST)).values);
  } catch (err) {
    // A long list may not fit a device that cannot segment: read its length, then one entry at a time.
    const first = classifyBacnetError(err);
    if (first.code === 'timeout')
      throw new Error(`device ${instance} at ${receiver.address}: ${first.message}`, { cause: err });
    const length = (
      await client.readProperty(receiver, deviceId, PropertyIdentifier.OBJECT_LIST, { arrayIndex: 0 })
    ).values[0]?.value;
    const ids: BACNetObjectID[] = [];
    for (let i = 1; i <= Number(length ?? 0); i++) {
      ids.push(
        ...asIds(
          (await client.readProperty(receiver, deviceId, PropertyIdentifier.OBJECT_LIST, { arrayIndex: i }))
            .values,
        ),
      );
    }
    return ids;
  }
}

async function readString(
  client: BacnetClient,
  receiver: { address: string },
  objectId: BACNetObjectID,
  property: number,
): Promise<string | null> {
  try {
    const value = (await client.readProperty(receiver, objectId, property, { arrayIndex: ASN1_ARRAY_ALL }))
      .values[0]?.value;
    return typeof value === 'string' ? value : null;
  } catch {
    // A missing name only makes the draft's point id plainer.
    return null;
  }
}

async function unitOf(
  client: BacnetClient,
  receiver: { address: string },
  objectId: BACNetObjectID,
  type: BacnetObjectType,
): Promise<ControlUnit | { reason: string }> {
  if (isBinaryObject(type)) return 'boolean';
  if (type === 'multi-state-value')
    return { reason: 'a multi-state value has no platform unit; map it by hand if needed' };
  let units: unknown;
  try {
    units = (await client.readProperty(receiver, objectId, PropertyIdentifier.UNITS)).values[0]?.value;
  } catch (err) {
    return { reason: `units unreadable: ${classifyBacnetError(err).message}` };
  }
  const unit = typeof units === 'number' ? UNITS.get(units) : undefined;
  if (unit) return unit;
  const name = typeof units === 'number' ? (EngineeringUnits[units] ?? String(units)) : 'unknown';
  return { reason: `units ${name.toLowerCase().replaceAll('_', '-')} have no platform unit` };
}

export interface DiscoverCommandOptions extends DiscoverOptions {
  readonly buildingId: string;
  /** Directory the drafts are written to, one `bacnet-<instance>.points.json` per device. */
  readonly outDir: string;
  readonly timeoutMs?: number;
  /** Progress lines for the terminal. */
  readonly log?: (line: string) => void;
}

export interface DiscoverCommandResult {
  readonly devices: readonly DiscoveredDevice[];
  readonly files: readonly string[];
  /** Devices found whose draft could not be built, with why. */
  readonly failures: readonly { readonly deviceInstance: number; readonly message: string }[];
}

/**
 * What `eaio gateway discover` runs: Who-Is, then a draft points file per device that answered. It only
 * reads (Who-Is, ReadProperty): safe on a live network.
 */
export async function discoverBacnetNetwork(options: DiscoverCommandOptions): Promise<DiscoverCommandResult> {
  const log = options.log ?? (() => undefined);
  log(`Who-Is to ${options.target ?? 'the local broadcast'}, listening ${options.windowMs ?? 3000} ms ...`);
  const devices = await discoverDevices(options);
  log(`${devices.length} device(s) answered`);
  await mkdir(options.outDir, { recursive: true });
  const files: string[] = [];
  const failures: { deviceInstance: number; message: string }[] = [];
  for (const device of devices) {
    try {
      const draft = await buildPointMap(device, {
        buildingId: options.buildingId,
        ...(options.localAddress !== undefined && { localAddress: options.localAddress }),
        ...(options.localPort !== undefined && { localPort: options.localPort }),
        ...(options.timeoutMs !== undefined && { timeoutMs: options.timeoutMs }),
      });
      const file = join(options.outDir, `bacnet-${device.deviceInstance}.points.json`);
      await writeFile(file, `${JSON.stringify(draft.map, null, 2)}\n`);
      files.push(file);
      log(
        `device ${device.deviceInstance} at ${device.address}: ${draft.map.points.length} point(s) -> ${file}` +
          (draft.skipped.length
            ? `; skipped ${draft.skipped.map((s) => `${s.name ?? `${s.objectType}:${s.instance}`} (${s.reason})`).join(', ')}`
            : ''),
      );
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      failures.push({ deviceInstance: device.deviceInstance, message });
      log(`device ${device.deviceInstance} at ${device.address}: no draft: ${message}`);
    }
  }
  return { devices, files, failures };
}

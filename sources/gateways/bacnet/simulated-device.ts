import {
  ApplicationTag,
  ASN1_ARRAY_ALL,
  type BACNetAddress,
  type BACNetAppData,
  type BACNetObjectID,
  type BACNetReadAccess,
  ConfirmedServiceChoice,
  EngineeringUnits,
  ErrorClass,
  ErrorCode,
  ObjectType,
  PropertyIdentifier,
  Segmentation,
} from '@bacnet-js/client';
import { simulatedZonePoints } from '../simulated-zone-points.ts';
import { type BacnetClient, openBacnetClient } from './bacnet-client.ts';
import {
  type BacnetObjectType,
  type BacnetPointMapInput,
  isBinaryObject,
  isInputObject,
  OBJECT_TYPE_IDS,
  objectTypeName,
} from './point-map.ts';

/**
 * A BACnet/IP device on loopback for tests and demos, answering with the same library a real
 * gateway talks through: Who-Is/I-Am, ReadProperty(Multiple), WriteProperty with a real 16-slot
 * priority array and relinquish default per commandable object, SubscribeCOV with unconfirmed
 * notifications on change, and faults on demand (an error class/code, or silence).
 */

/** One object of the simulated device. */
export interface SimulatedObject {
  readonly objectType: BacnetObjectType;
  readonly instance: number;
  readonly name: string;
  /** EngineeringUnits of an analog object (e.g. EngineeringUnits.DEGREES_CELSIUS). */
  readonly units?: number;
  /** Initial present value; for a commandable object, its relinquish default. */
  readonly value: number;
  /** Outputs and values are commandable (priority array) unless this says false; inputs never are. */
  readonly commandable?: boolean;
  /** Smallest change of an analog present value that sends a COV notification (default 0.1). */
  readonly covIncrement?: number;
  /** Number of states of a multi-state value (default 3). */
  readonly numberOfStates?: number;
  /**
   * An input that follows the plant: called before each answer with the seconds since the last call
   * and the device's other present values, returns the new present value.
   */
  readonly compute?: (context: SimulatedComputeContext) => number;
}

export interface SimulatedComputeContext {
  readonly elapsedSeconds: number;
  readonly previous: number;
  presentValue(objectType: BacnetObjectType, instance: number): number;
}

/** Which services a fault applies to. */
export type SimulatedService = 'read' | 'write' | 'subscribe' | 'who-is';

/** A fault the device shows until cleared: an Error PDU with the given class/code, or no answer at all. */
export type SimulatedFault =
  | {
      readonly kind: 'error';
      /** kebab-case names as in the standard, e.g. `object` / `unknown-object`, `property` / `write-access-denied`. */
      readonly errorClass: string;
      readonly errorCode: string;
      /** Only requests about these objects fail (in a ReadPropertyMultiple, only their results); all when absent. */
      readonly objects?: readonly { readonly objectType: BacnetObjectType; readonly instance: number }[];
      readonly services?: readonly SimulatedService[];
    }
  | { readonly kind: 'silent'; readonly services?: readonly SimulatedService[] };

export interface SimulatedBacnetDeviceOptions {
  /** UDP port on 127.0.0.1; 0 (the default) takes an ephemeral one. Never 47808 on loopback: see docs/gateway-bacnet.md. */
  readonly port?: number;
  readonly host?: string;
  readonly deviceInstance: number;
  readonly deviceName?: string;
  readonly vendorId?: number;
  readonly objects: readonly SimulatedObject[];
  /** false answers ReadPropertyMultiple with services/reject-unrecognized-service, as small devices do. */
  readonly supportsReadPropertyMultiple?: boolean;
  /** How often computed values are checked for COV while someone subscribes (default 1000 ms). */
  readonly covCheckMs?: number;
  /** Clock of the plant (computed values), ms (default Date.now); COV lifetimes always run on the wall clock, as the gateway renews on it. */
  readonly now?: () => number;
}

/** How many requests of each service the device answered (or swallowed), for tests to assert on. */
export interface SimulatedDeviceStats {
  readProperty: number;
  readPropertyMultiple: number;
  writeProperty: number;
  subscribeCov: number;
  whoIs: number;
}

export interface SimulatedCovSubscription {
  readonly subscriber: string;
  readonly processId: number;
  readonly objectType: BacnetObjectType;
  readonly instance: number;
  /** ms since epoch, null = indefinite. */
  readonly expiresAt: number | null;
}

export interface SimulatedBacnetDevice {
  /** `127.0.0.1:port`, the device's address for a points file. */
  readonly address: string;
  readonly port: number;
  readonly deviceInstance: number;
  readonly stats: Readonly<SimulatedDeviceStats>;
  presentValue(objectType: BacnetObjectType, instance: number): number;
  /** The 16 slots (index 0 = priority 1), null where relinquished. */
  priorityArray(objectType: BacnetObjectType, instance: number): readonly (number | null)[];
  /** Sets an input's (or non-commandable object's) value as the plant would, notifying COV subscribers. */
  setValue(objectType: BacnetObjectType, instance: number, value: number): void;
  subscriptions(): readonly SimulatedCovSubscription[];
  /** Starts (or, with null, ends) a fault. */
  setFault(fault: SimulatedFault | null): void;
  close(): Promise<void>;
}

interface ObjectState {
  readonly spec: SimulatedObject;
  readonly id: BACNetObjectID;
  readonly commandable: boolean;
  readonly priorities: (number | null)[];
  readonly relinquishDefault: number;
  /** The value of a non-commandable object. */
  value: number;
}

interface Subscription {
  readonly receiver: BACNetAddress;
  readonly processId: number;
  readonly state: ObjectState;
  expiresAt: number | null;
  lastSent: number;
}

interface DeviceError {
  readonly errorClass: number;
  readonly errorCode: number;
}
type Answer = { values: BACNetAppData[] } | DeviceError;

const enumByName = (table: Record<string, string | number>, name: string, what: string): number => {
  const id = table[name.toUpperCase().replaceAll('-', '_')];
  if (typeof id !== 'number') throw new Error(`unknown BACnet ${what} ${name}`);
  return id;
};

const P = PropertyIdentifier;
const COMMON_PROPERTIES = [
  P.OBJECT_IDENTIFIER,
  P.OBJECT_NAME,
  P.OBJECT_TYPE,
  P.PRESENT_VALUE,
  P.STATUS_FLAGS,
  P.OUT_OF_SERVICE,
];
const DEVICE_PROPERTIES = [
  P.OBJECT_IDENTIFIER,
  P.OBJECT_NAME,
  P.OBJECT_TYPE,
  P.SYSTEM_STATUS,
  P.VENDOR_IDENTIFIER,
  P.PROTOCOL_VERSION,
  P.SEGMENTATION_SUPPORTED,
  P.OBJECT_LIST,
];

/** Binds the device and resolves once it listens. */
export async function startSimulatedBacnetDevice(
  options: SimulatedBacnetDeviceOptions,
): Promise<SimulatedBacnetDevice> {
  const now = options.now ?? Date.now;
  const host = options.host ?? '127.0.0.1';
  const deviceId: BACNetObjectID = { type: ObjectType.DEVICE, instance: options.deviceInstance };
  const deviceName = options.deviceName ?? `Simulated device ${options.deviceInstance}`;
  const stats: SimulatedDeviceStats = {
    readProperty: 0,
    readPropertyMultiple: 0,
    writeProperty: 0,
    subscribeCov: 0,
    whoIs: 0,
  };
  const objects = new Map<string, ObjectState>();
  const key = (type: number, instance: number) => `${type}:${instance}`;
  for (const spec of options.objects) {
    const id = { type: OBJECT_TYPE_IDS[spec.objectType], instance: spec.instance };
    if (objects.has(key(id.type, id.instance)))
      throw new Error(`${spec.objectType} ${spec.instance} is defined twice`);
    objects.set(key(id.type, id.instance), {
      spec,
      id,
      commandable: !isInputObject(spec.objectType) && spec.commandable !== false,
      priorities: Array.from({ length: 16 }, () => null),
      relinquishDefault: spec.value,
      value: spec.value,
    });
  }
  let fault: SimulatedFault | null = null;
  let lastComputeAt = now();
  const subscriptions: Subscription[] = [];

  const find = (type: BacnetObjectType, instance: number): ObjectState => {
    const state = objects.get(key(OBJECT_TYPE_IDS[type], instance));
    if (!state) throw new Error(`the simulated device has no ${type} ${instance}`);
    return state;
  };
  const presentValueOf = (state: ObjectState): number =>
    state.commandable ? (state.priorities.find((v) => v !== null) ?? state.relinquishDefault) : state.value;

  /** Moves computed inputs forward to now, before anything reads or changes them. */
  const advance = () => {
    const at = now();
    const elapsedSeconds = (at - lastComputeAt) / 1000;
    if (elapsedSeconds <= 0) return;
    lastComputeAt = at;
    for (const state of objects.values()) {
      if (!state.spec.compute) continue;
      state.value = state.spec.compute({
        elapsedSeconds,
        previous: state.value,
        presentValue: (type, instance) => presentValueOf(find(type, instance)),
      });
    }
  };

  const encodeValue = (state: ObjectState, value: number): BACNetAppData => {
    if (isBinaryObject(state.spec.objectType))
      return { type: ApplicationTag.ENUMERATED, value: value ? 1 : 0 };
    if (state.spec.objectType === 'multi-state-value')
      return { type: ApplicationTag.UNSIGNED_INTEGER, value };
    return { type: ApplicationTag.REAL, value };
  };

  const propertiesOf = (state: ObjectState | 'device'): number[] => {
    if (state === 'device') return DEVICE_PROPERTIES;
    const list = [...COMMON_PROPERTIES];
    if (state.spec.units !== undefined || state.spec.objectType.startsWith('analog-')) list.push(P.UNITS);
    if (state.spec.objectType.startsWith('analog-')) list.push(P.COV_INCREMENT);
    if (state.spec.objectType === 'multi-state-value') list.push(P.NUMBER_OF_STATES);
    if (state.commandable) list.push(P.PRIORITY_ARRAY, P.RELINQUISH_DEFAULT);
    return list;
  };

  const arrayAnswer = (items: BACNetAppData[], index: number): Answer => {
    if (index === ASN1_ARRAY_ALL) return { values: items };
    if (index === 0) return { values: [{ type: ApplicationTag.UNSIGNED_INTEGER, value: items.length }] };
    const item = items[index - 1];
    return item
      ? { values: [item] }
      : { errorClass: ErrorClass.PROPERTY, errorCode: ErrorCode.INVALID_ARRAY_INDEX };
  };
  const notAnArray = { errorClass: ErrorClass.PROPERTY, errorCode: ErrorCode.PROPERTY_IS_NOT_AN_ARRAY };
  const unknownProperty = { errorClass: ErrorClass.PROPERTY, errorCode: ErrorCode.UNKNOWN_PROPERTY };

  const readDevice = (property: number, index: number): Answer => {
    if (property === P.OBJECT_LIST) {
      const ids = [deviceId, ...[...objects.values()].map((s) => s.id)];
      return arrayAnswer(
        ids.map((value) => ({ type: ApplicationTag.OBJECTIDENTIFIER, value })),
        index,
      );
    }
    if (index !== ASN1_ARRAY_ALL) return notAnArray;
    const value = (v: BACNetAppData): Answer => ({ values: [v] });
    switch (property) {
      case P.OBJECT_IDENTIFIER:
        return value({ type: ApplicationTag.OBJECTIDENTIFIER, value: deviceId });
      case P.OBJECT_NAME:
        return value({ type: ApplicationTag.CHARACTER_STRING, value: deviceName });
      case P.OBJECT_TYPE:
        return value({ type: ApplicationTag.ENUMERATED, value: ObjectType.DEVICE });
      case P.SYSTEM_STATUS:
        return value({ type: ApplicationTag.ENUMERATED, value: 0 });
      case P.VENDOR_IDENTIFIER:
        return value({ type: ApplicationTag.UNSIGNED_INTEGER, value: options.vendorId ?? 260 });
      case P.PROTOCOL_VERSION:
        return value({ type: ApplicationTag.UNSIGNED_INTEGER, value: 1 });
      case P.SEGMENTATION_SUPPORTED:
        return value({ type: ApplicationTag.ENUMERATED, value: Segmentation.SEGMENTED_BOTH });
      default:
        return unknownProperty;
    }
  };

  const readObject = (state: ObjectState, property: number, index: number): Answer => {
    if (!propertiesOf(state).includes(property)) return unknownProperty;
    if (property === P.PRIORITY_ARRAY) {
      return arrayAnswer(
        state.priorities.map((v) =>
          v === null ? { type: ApplicationTag.NULL, value: null } : encodeValue(state, v),
        ),
        index,
      );
    }
    if (index !== ASN1_ARRAY_ALL) return notAnArray;
    const value = (v: BACNetAppData): Answer => ({ values: [v] });
    switch (property) {
      case P.OBJECT_IDENTIFIER:
        return value({ type: ApplicationTag.OBJECTIDENTIFIER, value: state.id });
      case P.OBJECT_NAME:
        return value({ type: ApplicationTag.CHARACTER_STRING, value: state.spec.name });
      case P.OBJECT_TYPE:
        return value({ type: ApplicationTag.ENUMERATED, value: state.id.type });
      case P.PRESENT_VALUE:
        return value(encodeValue(state, presentValueOf(state)));
      case P.STATUS_FLAGS:
        return value({ type: ApplicationTag.BIT_STRING, value: { bitsUsed: 4, value: [0] } });
      case P.OUT_OF_SERVICE:
        return value({ type: ApplicationTag.BOOLEAN, value: false });
      case P.UNITS:
        return value({
          type: ApplicationTag.ENUMERATED,
          value: state.spec.units ?? EngineeringUnits.NO_UNITS,
        });
      case P.COV_INCREMENT:
        return value({ type: ApplicationTag.REAL, value: state.spec.covIncrement ?? 0.1 });
      case P.NUMBER_OF_STATES:
        return value({ type: ApplicationTag.UNSIGNED_INTEGER, value: state.spec.numberOfStates ?? 3 });
      case P.RELINQUISH_DEFAULT:
        return value(encodeValue(state, state.relinquishDefault));
      default:
        return unknownProperty;
    }
  };

  const faultFor = (service: SimulatedService, objectId?: BACNetObjectID): SimulatedFault | null => {
    if (!fault) return null;
    if (fault.services && !fault.services.includes(service)) return null;
    if (fault.kind === 'error' && fault.objects && objectId) {
      const hit = fault.objects.some(
        (o) => OBJECT_TYPE_IDS[o.objectType] === objectId.type && o.instance === objectId.instance,
      );
      if (!hit) return null;
    }
    return fault;
  };
  const faultError = (f: SimulatedFault & { kind: 'error' }) => ({
    errorClass: enumByName(ErrorClass as unknown as Record<string, number>, f.errorClass, 'error class'),
    errorCode: enumByName(ErrorCode as unknown as Record<string, number>, f.errorCode, 'error code'),
  });

  const read = (objectId: BACNetObjectID, property: number, index: number): Answer => {
    const f = faultFor('read', objectId);
    if (f?.kind === 'error') return faultError(f);
    if (
      objectId.type === ObjectType.DEVICE &&
      (objectId.instance === options.deviceInstance || objectId.instance === 4_194_303)
    ) {
      return readDevice(property, index);
    }
    const state = objects.get(key(objectId.type, objectId.instance));
    if (!state) return { errorClass: ErrorClass.OBJECT, errorCode: ErrorCode.UNKNOWN_OBJECT };
    return readObject(state, property, index);
  };

  const write = (
    objectId: BACNetObjectID,
    property: number,
    values: BACNetAppData[],
    priority: number,
  ): DeviceError | null => {
    const f = faultFor('write', objectId);
    if (f?.kind === 'error') return faultError(f);
    const state = objects.get(key(objectId.type, objectId.instance));
    if (!state) return { errorClass: ErrorClass.OBJECT, errorCode: ErrorCode.UNKNOWN_OBJECT };
    if (property !== P.PRESENT_VALUE || isInputObject(state.spec.objectType)) {
      return { errorClass: ErrorClass.PROPERTY, errorCode: ErrorCode.WRITE_ACCESS_DENIED };
    }
    const [written] = values;
    if (written?.type === ApplicationTag.NULL) {
      if (!state.commandable)
        return { errorClass: ErrorClass.PROPERTY, errorCode: ErrorCode.INVALID_DATA_TYPE };
      state.priorities[priority - 1] = null;
      return null;
    }
    const value = typeof written?.value === 'number' ? written.value : Number.NaN;
    const binary = isBinaryObject(state.spec.objectType);
    if (binary && written?.type !== ApplicationTag.ENUMERATED) {
      return { errorClass: ErrorClass.PROPERTY, errorCode: ErrorCode.INVALID_DATA_TYPE };
    }
    if (!Number.isFinite(value) || (binary && value !== 0 && value !== 1)) {
      return { errorClass: ErrorClass.PROPERTY, errorCode: ErrorCode.VALUE_OUT_OF_RANGE };
    }
    if (
      state.spec.objectType === 'multi-state-value' &&
      (!Number.isInteger(value) || value < 1 || value > (state.spec.numberOfStates ?? 3))
    ) {
      return { errorClass: ErrorClass.PROPERTY, errorCode: ErrorCode.VALUE_OUT_OF_RANGE };
    }
    if (state.commandable) state.priorities[priority - 1] = value;
    else state.value = value;
    return null;
  };

  const opened = await openBacnetClient({
    localAddress: host,
    localPort: options.port ?? 0,
    timeoutMs: 3000,
    // A simulated device has no one to tell about a stray socket error; it keeps answering.
    onError: () => undefined,
  });
  const client: BacnetClient = opened.client;
  const address = `${host}:${opened.port}`;

  const notify = (sub: Subscription, value: number) => {
    sub.lastSent = value;
    const timeRemaining =
      sub.expiresAt === null ? 0 : Math.max(0, Math.round((sub.expiresAt - Date.now()) / 1000));
    client.unconfirmedCOVNotification(
      sub.receiver,
      sub.processId,
      options.deviceInstance,
      sub.state.id,
      timeRemaining,
      [
        { property: { id: P.PRESENT_VALUE }, value: [encodeValue(sub.state, value)] },
        {
          property: { id: P.STATUS_FLAGS },
          value: [{ type: ApplicationTag.BIT_STRING, value: { bitsUsed: 4, value: [0] } }],
        },
      ],
    );
  };
  /** Sends a notification to every subscriber whose object changed by at least its COV increment. */
  const checkCov = () => {
    advance();
    const at = Date.now();
    for (let i = subscriptions.length - 1; i >= 0; i--) {
      const sub = subscriptions[i];
      if (!sub) continue;
      if (sub.expiresAt !== null && sub.expiresAt <= at) {
        subscriptions.splice(i, 1);
        continue;
      }
      const value = presentValueOf(sub.state);
      const increment =
        isBinaryObject(sub.state.spec.objectType) || sub.state.spec.objectType === 'multi-state-value'
          ? 0
          : (sub.state.spec.covIncrement ?? 0.1);
      const changed = increment === 0 ? value !== sub.lastSent : Math.abs(value - sub.lastSent) >= increment;
      if (changed) notify(sub, value);
    }
  };
  const covTimer = setInterval(() => {
    if (subscriptions.length > 0) checkCov();
  }, options.covCheckMs ?? 1000);
  covTimer.unref();

  const reply = (
    receiver: BACNetAddress | undefined,
    service: number,
    invokeId: number | undefined,
    answer: () => void,
    error?: { errorClass: number; errorCode: number },
  ) => {
    if (!receiver || invokeId === undefined) return;
    if (error) client.errorResponse(receiver, service, invokeId, error.errorClass, error.errorCode);
    else answer();
  };

  client.on('whoIs', (content) => {
    stats.whoIs++;
    if (faultFor('who-is')) return;
    const { lowLimit, highLimit } = content.payload;
    if (
      lowLimit !== undefined &&
      highLimit !== undefined &&
      (options.deviceInstance < lowLimit || options.deviceInstance > highLimit)
    )
      return;
    const receiver = content.header?.sender;
    if (receiver)
      client.iAmResponse(
        { address: receiver.address },
        options.deviceInstance,
        Segmentation.SEGMENTED_BOTH,
        options.vendorId ?? 260,
      );
  });

  client.on('readProperty', (content) => {
    stats.readProperty++;
    const { objectId, property } = content.payload;
    if (faultFor('read', objectId)?.kind === 'silent') return;
    advance();
    const answer = read(objectId, property.id, property.index);
    reply(
      content.header?.sender,
      ConfirmedServiceChoice.READ_PROPERTY,
      content.invokeId,
      () => {
        if ('values' in answer && content.header?.sender && content.invokeId !== undefined) {
          client.readPropertyResponse(
            content.header.sender,
            content.invokeId,
            objectId,
            property,
            answer.values,
          );
        }
      },
      'errorClass' in answer ? answer : undefined,
    );
  });

  client.on('readPropertyMultiple', (content) => {
    stats.readPropertyMultiple++;
    const specs = content.payload.properties;
    if (specs.some((s) => faultFor('read', s.objectId)?.kind === 'silent')) return;
    const sender = content.header?.sender;
    if (!sender || content.invokeId === undefined) return;
    if (options.supportsReadPropertyMultiple === false) {
      client.errorResponse(
        sender,
        ConfirmedServiceChoice.READ_PROPERTY_MULTIPLE,
        content.invokeId,
        ErrorClass.SERVICES,
        ErrorCode.REJECT_UNRECOGNIZED_SERVICE,
      );
      return;
    }
    advance();
    const results: BACNetReadAccess[] = specs.map((spec) => {
      const state = objects.get(key(spec.objectId.type, spec.objectId.instance));
      const isDevice = spec.objectId.type === ObjectType.DEVICE;
      const expanded = spec.properties.flatMap((p) =>
        p.id === P.ALL || p.id === P.REQUIRED
          ? propertiesOf(isDevice ? 'device' : (state ?? 'device')).map((id) => ({
              id,
              index: ASN1_ARRAY_ALL,
            }))
          : [p],
      );
      return {
        objectId: spec.objectId,
        values: expanded.map((p) => {
          const answer = read(spec.objectId, p.id, p.index);
          return {
            property: p,
            value:
              'values' in answer
                ? answer.values
                : [
                    {
                      value: {
                        type: 'BacnetError',
                        errorClass: answer.errorClass,
                        errorCode: answer.errorCode,
                      },
                    },
                  ],
          };
        }),
      };
    });
    client.readPropertyMultipleResponse(sender, content.invokeId, results);
  });

  client.on('writeProperty', (content) => {
    stats.writeProperty++;
    const { objectId, value } = content.payload;
    if (faultFor('write', objectId)?.kind === 'silent') return;
    advance(); // the plant ran on the old setpoint until now
    const error = write(objectId, value.property.id, value.value, value.priority);
    const sender = content.header?.sender;
    reply(
      sender,
      ConfirmedServiceChoice.WRITE_PROPERTY,
      content.invokeId,
      () => {
        if (sender && content.invokeId !== undefined)
          client.simpleAckResponse(sender, ConfirmedServiceChoice.WRITE_PROPERTY, content.invokeId);
      },
      error ?? undefined,
    );
    if (!error) checkCov();
  });

  client.on('subscribeCov', (content) => {
    stats.subscribeCov++;
    const payload = content.payload as typeof content.payload & { cancellationRequest?: boolean };
    if (faultFor('subscribe', payload.monitoredObjectId)?.kind === 'silent') return;
    const sender = content.header?.sender;
    if (!sender || content.invokeId === undefined) return;
    const f = faultFor('subscribe', payload.monitoredObjectId);
    const state = objects.get(key(payload.monitoredObjectId.type, payload.monitoredObjectId.instance));
    const error =
      f?.kind === 'error'
        ? faultError(f)
        : state
          ? undefined
          : { errorClass: ErrorClass.OBJECT, errorCode: ErrorCode.UNKNOWN_OBJECT };
    const existing = subscriptions.findIndex(
      (s) =>
        s.receiver.address === sender.address &&
        s.processId === payload.subscriberProcessId &&
        s.state === state,
    );
    if (!error && state) {
      if (existing >= 0) subscriptions.splice(existing, 1);
      if (!payload.cancellationRequest) {
        advance();
        const sub: Subscription = {
          receiver: { address: sender.address },
          processId: payload.subscriberProcessId,
          state,
          expiresAt: payload.lifetime > 0 ? Date.now() + payload.lifetime * 1000 : null,
          lastSent: presentValueOf(state),
        };
        subscriptions.push(sub);
        client.simpleAckResponse(sender, ConfirmedServiceChoice.SUBSCRIBE_COV, content.invokeId);
        // The standard asks for an initial notification right after a subscription.
        notify(sub, presentValueOf(state));
        return;
      }
    }
    reply(
      sender,
      ConfirmedServiceChoice.SUBSCRIBE_COV,
      content.invokeId,
      () => {
        client.simpleAckResponse(sender, ConfirmedServiceChoice.SUBSCRIBE_COV, content.invokeId as number);
      },
      error,
    );
  });

  return {
    address,
    port: opened.port,
    deviceInstance: options.deviceInstance,
    stats,
    presentValue: (type, instance) => {
      advance();
      return presentValueOf(find(type, instance));
    },
    priorityArray: (type, instance) => [...find(type, instance).priorities],
    setValue: (type, instance, value) => {
      const state = find(type, instance);
      if (state.commandable) throw new Error(`${type} ${instance} is commandable: write it at a priority`);
      state.value = value;
      checkCov();
    },
    subscriptions: () =>
      subscriptions.map((s) => ({
        subscriber: s.receiver.address ?? '',
        processId: s.processId,
        objectType: objectTypeName(s.state.id.type) ?? s.state.spec.objectType,
        instance: s.state.id.instance,
        expiresAt: s.expiresAt,
      })),
    setFault: (next) => {
      if (next?.kind === 'error') faultError(next); // unknown names fail here, not on the next request
      fault = next;
    },
    close: async () => {
      clearInterval(covTimer);
      await opened.close();
    },
  };
}

/** Options of the simulated zone: where its temperature drifts when neither setpoint holds it. */
export interface SimulatedZoneOptions {
  /** Initial zone temperature, degC (default 22). */
  readonly initialTemperature?: number;
  /** Where the zone would float with the plant off, degC (default 27: a warm day, so cooling holds it). */
  readonly freeFloatTemperature?: number;
  /** Time constant of the zone's first-order response, seconds (default 900). */
  readonly timeConstantSeconds?: number;
  readonly heatingSetpoint?: number;
  readonly coolingSetpoint?: number;
}

/** Instances of the simulated zone's objects, for points files and tests. */
export const ZONE_OBJECTS = {
  heatingSetpoint: { objectType: 'analog-value', instance: 1 },
  coolingSetpoint: { objectType: 'analog-value', instance: 2 },
  zoneTemperature: { objectType: 'analog-input', instance: 1 },
  lighting: { objectType: 'binary-output', instance: 1 },
  lightingLevel: { objectType: 'analog-output', instance: 1 },
} as const satisfies Record<string, { objectType: BacnetObjectType; instance: number }>;

/**
 * One zone: heating and cooling setpoints (analog values, commandable), the zone temperature (an
 * analog input that moves toward the free-floating temperature clamped between the two setpoints, as a
 * first-order lag over elapsed time), lighting on/off (binary output) and its dimming level (analog
 * output, percent).
 */
export function simulatedZoneObjects(options: SimulatedZoneOptions = {}): SimulatedObject[] {
  const freeFloat = options.freeFloatTemperature ?? 27;
  const tau = options.timeConstantSeconds ?? 900;
  const z = ZONE_OBJECTS;
  return [
    {
      ...z.heatingSetpoint,
      name: 'Zone Heating Setpoint',
      units: EngineeringUnits.DEGREES_CELSIUS,
      value: options.heatingSetpoint ?? 20,
    },
    {
      ...z.coolingSetpoint,
      name: 'Zone Cooling Setpoint',
      units: EngineeringUnits.DEGREES_CELSIUS,
      value: options.coolingSetpoint ?? 24,
    },
    {
      ...z.zoneTemperature,
      name: 'Zone Temperature',
      units: EngineeringUnits.DEGREES_CELSIUS,
      value: options.initialTemperature ?? 22,
      compute: ({ elapsedSeconds, previous, presentValue }) => {
        const heating = presentValue(z.heatingSetpoint.objectType, z.heatingSetpoint.instance);
        const cooling = presentValue(z.coolingSetpoint.objectType, z.coolingSetpoint.instance);
        // The plant holds the zone inside [heating, cooling]; within the band it floats.
        const target = Math.min(Math.max(freeFloat, heating), Math.max(heating, cooling));
        return target + (previous - target) * Math.exp(-elapsedSeconds / tau);
      },
    },
    { ...z.lighting, name: 'Zone Lighting', value: 0 },
    { ...z.lightingLevel, name: 'Zone Lighting Level', units: EngineeringUnits.PERCENT, value: 80 },
  ];
}

export interface SimulatedZonePointsOptions {
  /** `host:port` of the simulated device. */
  readonly deviceAddress: string;
  readonly deviceInstance: number;
  readonly buildingId: string;
  readonly gatewayId?: string;
  readonly mode?: 'read-only' | 'read-write';
  readonly pollSeconds?: number;
  /** Local port of the gateway; 0 (the default) because the device is on loopback (see docs/gateway-bacnet.md). */
  readonly localPort?: number;
}

/**
 * The points file of the simulated zone (what a `simulate-bacnet` command writes for `eaio gateway`):
 * cooling and heating setpoints of one zone, lighting on/off (approval required) and dimming, and the
 * zone temperature.
 */
export function simulatedZonePointMap(o: SimulatedZonePointsOptions): BacnetPointMapInput {
  const zone = `${o.buildingId}/zone-1`;
  const z = ZONE_OBJECTS;
  const p = simulatedZonePoints(zone, o.buildingId, o.pollSeconds ?? 60);
  return {
    gateway: {
      id: o.gatewayId ?? 'bacnet-gw:sim',
      protocol: 'bacnet',
      mode: o.mode ?? 'read-only',
      localAddress: '127.0.0.1',
      localPort: o.localPort ?? 0,
      device: { address: o.deviceAddress, deviceInstance: o.deviceInstance },
    },
    points: [
      {
        ...p.coolingSetpoint,
        objectType: z.coolingSetpoint.objectType,
        objectInstance: z.coolingSetpoint.instance,
      },
      {
        ...p.heatingSetpoint,
        objectType: z.heatingSetpoint.objectType,
        objectInstance: z.heatingSetpoint.instance,
      },
      { ...p.lighting, objectType: z.lighting.objectType, objectInstance: z.lighting.instance },
      { ...p.dimming, objectType: z.lightingLevel.objectType, objectInstance: z.lightingLevel.instance },
      {
        ...p.temperature,
        objectType: z.zoneTemperature.objectType,
        objectInstance: z.zoneTemperature.instance,
      },
    ],
  };
}

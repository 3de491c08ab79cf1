import {
  ApplicationTag,
  ASN1_ARRAY_ALL,
  type BACNetAppData,
  type BACNetObjectID,
  type BACNetReadAccessSpecification,
  ConfirmedServiceChoice,
  type CovNotifyPayload,
  ObjectType,
  PropertyIdentifier,
} from '@bacnet-js/client';
import { type Gateway, GatewayError, type GatewayHealth, MAX_PRIORITY, type PointRead } from '../gateway.ts';
import {
  type BacnetClient,
  type BacnetFailure,
  classifyBacnetError,
  describeBacnetError,
  type OpenClient,
  openBacnetClient,
} from './bacnet-client.ts';
import {
  type BacnetPoint,
  type BacnetPointMap,
  isBinaryObject,
  isInputObject,
  OBJECT_TYPE_IDS,
  propertyId,
} from './point-map.ts';

/** Priorities 1-4 are life safety and critical equipment: the platform never commands them. */
export const LOWEST_RESERVED_PRIORITY = 4;
/** Renew a COV subscription when this share of its lifetime has passed, well before the device drops it. */
const COV_RENEW_FRACTION = 0.8;
/** Reads that fall back from ReadPropertyMultiple to ReadProperty run this many at a time. */
const READ_PROPERTY_CONCURRENCY = 8;

interface ResolvedPoint {
  readonly point: BacnetPoint;
  readonly objectId: BACNetObjectID;
  readonly propertyId: number;
}

/**
 * The BACnet/IP gateway to one device: reads present values with ReadPropertyMultiple (or ReadProperty
 * where the device refuses it), writes and relinquishes at a priority of the device's own priority
 * array, and subscribes to COV. Creating it opens nothing: {@link Gateway.connect} binds the socket.
 */
export function createBacnetGateway(map: BacnetPointMap): Gateway {
  const settings = map.gateway;
  const device = { address: settings.device.address };
  const points = new Map<string, ResolvedPoint>();
  for (const point of map.points) {
    points.set(point.pointId, {
      point,
      objectId: { type: OBJECT_TYPE_IDS[point.objectType], instance: point.objectInstance },
      // The schema refused unknown property names.
      propertyId: propertyId(point.property) ?? PropertyIdentifier.PRESENT_VALUE,
    });
  }

  let open: OpenClient | null = null;
  let connecting: Promise<void> | null = null;
  /** Cleared when the device answers ReadPropertyMultiple with a refusal: then one ReadProperty per point. */
  let rpmSupported = true;
  const health = {
    connected: false,
    lastSuccessAt: null as Date | null,
    lastError: null as string | null,
    consecutiveFailures: 0,
  };
  const unsubscribers = new Set<() => Promise<void>>();
  let nextProcessId = 1;

  const succeeded = () => {
    health.connected = open !== null;
    health.lastSuccessAt = new Date();
    health.lastError = null;
    health.consecutiveFailures = 0;
  };
  const failed = (failure: BacnetFailure) => {
    health.consecutiveFailures++;
    health.lastError = failure.message;
    // An error answer is still an answer: only silence or a closed socket means the device is unreachable.
    if (failure.code === 'timeout' || failure.code === 'disconnected') health.connected = false;
  };

  const clientOrThrow = (): BacnetClient => {
    if (!open)
      throw new GatewayError('disconnected', `${settings.id} is not connected; call connect() first`);
    return open.client;
  };

  const connect = async (): Promise<void> => {
    if (open) return;
    connecting ??= (async () => {
      let opened: OpenClient;
      try {
        opened = await openBacnetClient({
          localAddress: settings.localAddress,
          localPort: settings.localPort,
          timeoutMs: settings.timeoutMs,
          onError: (err) => failed({ code: 'disconnected', message: `socket error: ${err.message}` }),
        });
      } catch (err) {
        throw new GatewayError(
          'disconnected',
          `${settings.id} cannot bind ${settings.localAddress}:${settings.localPort}: ${err instanceof Error ? err.message : String(err)}`,
          { cause: err },
        );
      }
      try {
        // The device object always has a name: reading it proves the device answers.
        await opened.client.readProperty(
          device,
          { type: ObjectType.DEVICE, instance: settings.device.deviceInstance },
          PropertyIdentifier.OBJECT_NAME,
        );
      } catch (err) {
        const failure = classifyBacnetError(err);
        failed(failure);
        await opened.close();
        throw new GatewayError(
          failure.code,
          `${settings.id}: device ${settings.device.deviceInstance} at ${device.address}: ${failure.message}`,
          { cause: err },
        );
      }
      open = opened;
      opened.client.on('covNotifyUnconfirmed', (content) => onCov(content.payload));
      opened.client.on('covNotify', (content) => {
        // A device may send confirmed notifications anyway: acknowledge them, or it retries.
        if (content.header?.sender && content.invokeId !== undefined) {
          opened.client.simpleAckResponse(
            content.header.sender,
            ConfirmedServiceChoice.CONFIRMED_COV_NOTIFICATION,
            content.invokeId,
          );
        }
        onCov(content.payload);
      });
      succeeded();
    })().finally(() => {
      connecting = null;
    });
    return connecting;
  };

  const resolve = (pointId: string): ResolvedPoint | undefined => points.get(pointId);

  const failure = (pointId: string, f: BacnetFailure, at: Date): PointRead => ({
    pointId,
    ok: false,
    code: f.code,
    message: f.message,
    at,
  });

  const decode = (pointId: string, values: readonly BACNetAppData[] | undefined, at: Date): PointRead => {
    const first = values?.[0];
    if (!first) return failure(pointId, { code: 'decode', message: 'the device returned no value' }, at);
    if (first.type === ApplicationTag.ERROR) {
      const e = first.value as { errorClass: number; errorCode: number };
      return failure(pointId, describeBacnetError(e.errorClass, e.errorCode), at);
    }
    const value = first.value as unknown;
    // A REAL is a float32: 21.1 arrives as 21.100000381469727. Its ~7 significant digits are the value
    // the device holds, so a read-back compares equal to the value written.
    if (typeof value === 'number' && Number.isFinite(value)) {
      return {
        pointId,
        ok: true,
        value: first.type === ApplicationTag.REAL ? Number(value.toPrecision(7)) : value,
        at,
      };
    }
    if (typeof value === 'boolean') return { pointId, ok: true, value: value ? 1 : 0, at };
    return failure(
      pointId,
      { code: 'decode', message: `a value of application tag ${first.type} is not a number` },
      at,
    );
  };

  const readOne = async (client: BacnetClient, p: ResolvedPoint): Promise<PointRead> => {
    try {
      const result = await client.readProperty(device, p.objectId, p.propertyId);
      return decode(p.point.pointId, result.values, new Date());
    } catch (err) {
      return failure(p.point.pointId, classifyBacnetError(err), new Date());
    }
  };

  const readEach = async (client: BacnetClient, batch: readonly ResolvedPoint[]): Promise<PointRead[]> => {
    const out: PointRead[] = [];
    for (let i = 0; i < batch.length; i += READ_PROPERTY_CONCURRENCY) {
      out.push(
        ...(await Promise.all(batch.slice(i, i + READ_PROPERTY_CONCURRENCY).map((p) => readOne(client, p)))),
      );
    }
    return out;
  };

  /** One ReadPropertyMultiple for the batch; per-property errors come back as failed reads. */
  const readBatch = async (client: BacnetClient, batch: readonly ResolvedPoint[]): Promise<PointRead[]> => {
    if (!rpmSupported) return readEach(client, batch);
    const specs: BACNetReadAccessSpecification[] = batch.map((p) => ({
      objectId: p.objectId,
      properties: [{ id: p.propertyId, index: ASN1_ARRAY_ALL }],
    }));
    let result: Awaited<ReturnType<BacnetClient['readPropertyMultiple']>>;
    try {
      result = await client.readPropertyMultiple(device, specs);
    } catch (err) {
      const f = classifyBacnetError(err);
      if (f.code === 'timeout' || f.code === 'disconnected') {
        const at = new Date();
        return batch.map((p) => failure(p.point.pointId, f, at));
      }
      // A refusal of the service itself (services class, or a reject/abort): this device reads one property at a time.
      if (f.errorClass === 'services' || f.errorClass === 'abort') rpmSupported = false;
      // Any other error answer to the whole request (some devices fail it for one unknown object):
      // read each point alone so the good ones still get through.
      return readEach(client, batch);
    }
    const at = new Date();
    return batch.map((p) => {
      const access = result.values.find(
        (v) => v.objectId.type === p.objectId.type && v.objectId.instance === p.objectId.instance,
      );
      const property = access?.values.find((v) => v.id === p.propertyId);
      if (!property)
        return failure(
          p.point.pointId,
          { code: 'decode', message: 'the answer has no value for this property' },
          at,
        );
      return decode(p.point.pointId, property.value, at);
    });
  };

  const read = async (pointIds: readonly string[]): Promise<readonly PointRead[]> => {
    const at = new Date();
    const known: ResolvedPoint[] = [];
    const byId = new Map<string, PointRead>();
    for (const id of pointIds) {
      const p = resolve(id);
      if (p) known.push(p);
      else
        byId.set(
          id,
          failure(
            id,
            { code: 'exception', message: `point ${id} is not in the point map of ${settings.id}` },
            at,
          ),
        );
    }
    if (!open) {
      for (const p of known)
        byId.set(
          p.point.pointId,
          failure(p.point.pointId, { code: 'disconnected', message: `${settings.id} is not connected` }, at),
        );
    } else {
      const client = open.client;
      for (let i = 0; i < known.length; i += settings.maxPointsPerRequest) {
        for (const r of await readBatch(client, known.slice(i, i + settings.maxPointsPerRequest)))
          byId.set(r.pointId, r);
      }
      const reads = [...byId.values()].filter((r) => points.has(r.pointId));
      const ok = reads.find((r) => r.ok);
      const bad = reads.find((r) => !r.ok);
      // The device answered if any point came back, or if the failures are its error answers.
      if (ok || (bad && !bad.ok && bad.code !== 'timeout' && bad.code !== 'disconnected')) succeeded();
      if (bad && !bad.ok) {
        if (ok) health.lastError = bad.message;
        else failed({ code: bad.code, message: bad.message });
      }
    }
    return pointIds.map((id) => byId.get(id) as PointRead);
  };

  /** The point, checked for a write: known, a setpoint, the gateway read-write, a priority the platform may use. */
  const writable = (pointId: string, priority: number): ResolvedPoint => {
    const p = resolve(pointId);
    if (!p)
      throw new GatewayError('not_writable', `point ${pointId} is not in the point map of ${settings.id}`);
    if (settings.mode !== 'read-write')
      throw new GatewayError('not_writable', `${settings.id} is read-only: no point is written`);
    if (
      p.point.role !== 'setpoint' ||
      isInputObject(p.point.objectType) ||
      p.propertyId !== PropertyIdentifier.PRESENT_VALUE
    ) {
      throw new GatewayError(
        'not_writable',
        `point ${pointId} (${p.point.role}, ${p.point.objectType}) is not a commandable setpoint`,
      );
    }
    if (!Number.isInteger(priority) || priority <= LOWEST_RESERVED_PRIORITY || priority > MAX_PRIORITY) {
      throw new GatewayError(
        'not_writable',
        `priority ${priority} is not allowed: BACnet priorities 1-${LOWEST_RESERVED_PRIORITY} are for life safety and critical equipment; use ${LOWEST_RESERVED_PRIORITY + 1}-${MAX_PRIORITY}`,
      );
    }
    return p;
  };

  const encode = (p: ResolvedPoint, value: number): BACNetAppData => {
    if (isBinaryObject(p.point.objectType)) {
      if (value !== 0 && value !== 1)
        throw new GatewayError(
          'not_writable',
          `point ${p.point.pointId} is on/off: write 0 or 1, not ${value}`,
        );
      return { type: ApplicationTag.ENUMERATED, value };
    }
    if (p.point.objectType === 'multi-state-value') {
      if (!Number.isInteger(value) || value < 1)
        throw new GatewayError('not_writable', `point ${p.point.pointId} takes a state number 1, 2, ...`);
      return { type: ApplicationTag.UNSIGNED_INTEGER, value };
    }
    if (!Number.isFinite(value))
      throw new GatewayError('not_writable', `point ${p.point.pointId}: ${value} is not a number`);
    return { type: ApplicationTag.REAL, value };
  };

  const writeAt = async (
    p: ResolvedPoint,
    data: BACNetAppData,
    priority: number,
    what: string,
  ): Promise<void> => {
    const client = clientOrThrow();
    try {
      await client.writeProperty(device, p.objectId, PropertyIdentifier.PRESENT_VALUE, [data], { priority });
      succeeded();
    } catch (err) {
      const f = classifyBacnetError(err);
      failed(f);
      throw new GatewayError(f.code, `${what} ${p.point.pointId} at priority ${priority}: ${f.message}`, {
        cause: err,
      });
    }
  };

  const write = async (pointId: string, value: number, priority: number): Promise<void> => {
    const p = writable(pointId, priority);
    await writeAt(p, encode(p, value), priority, `write ${value} to`);
  };

  const relinquish = async (pointId: string, priority: number): Promise<void> => {
    const p = writable(pointId, priority);
    await writeAt(p, { type: ApplicationTag.NULL, value: null }, priority, 'relinquish');
  };

  /** Live subscriptions by process id, each delivering to its subscriber. */
  const covHandlers = new Map<
    number,
    { readonly p: ResolvedPoint; readonly onValue: (read: PointRead) => void }
  >();
  function onCov(payload: CovNotifyPayload): void {
    const handler = covHandlers.get(payload.subscriberProcessId);
    if (!handler) return;
    const { p, onValue } = handler;
    if (
      payload.monitoredObjectId.type !== p.objectId.type ||
      payload.monitoredObjectId.instance !== p.objectId.instance
    )
      return;
    const pv = payload.values.find((v) => v.property.id === PropertyIdentifier.PRESENT_VALUE);
    if (!pv) return;
    onValue(decode(p.point.pointId, pv.value, new Date()));
  }

  const subscribe = async (
    pointIds: readonly string[],
    onValue: (read: PointRead) => void,
  ): Promise<() => Promise<void>> => {
    if (!settings.useCov) return async () => undefined;
    const client = clientOrThrow();
    const lifetime = settings.covLifetimeSeconds;
    const active: { processId: number; p: ResolvedPoint; timer: NodeJS.Timeout | null }[] = [];

    const subscribeOne = async (processId: number, p: ResolvedPoint): Promise<boolean> => {
      try {
        await client.subscribeCov(device, p.objectId, processId, false, false, lifetime);
        return true;
      } catch (err) {
        const f = classifyBacnetError(err);
        failed(f);
        // The point stays polled; say so rather than lose it silently.
        onValue(
          failure(
            p.point.pointId,
            { code: f.code, message: `COV subscription refused (${f.message}); the point is polled only` },
            new Date(),
          ),
        );
        return false;
      }
    };
    const scheduleRenewal = (entry: (typeof active)[number]) => {
      entry.timer = setTimeout(
        async () => {
          if (!covHandlers.has(entry.processId)) return;
          await subscribeOne(entry.processId, entry.p);
          // Renew even after a failed attempt: the device may be back by then.
          if (covHandlers.has(entry.processId)) scheduleRenewal(entry);
        },
        lifetime * 1000 * COV_RENEW_FRACTION,
      );
      entry.timer.unref();
    };

    for (const id of pointIds) {
      const p = resolve(id);
      // SubscribeCOV watches an object's present value; other properties are polled.
      if (!p || p.propertyId !== PropertyIdentifier.PRESENT_VALUE) continue;
      const processId = nextProcessId++;
      // Registered before the request: the device sends its initial notification right after the ack.
      covHandlers.set(processId, { p, onValue });
      if (await subscribeOne(processId, p)) {
        const entry = { processId, p, timer: null };
        active.push(entry);
        scheduleRenewal(entry);
      } else covHandlers.delete(processId);
    }

    let cancelled: Promise<void> | null = null;
    const unsubscribe = (): Promise<void> => {
      cancelled ??= (async () => {
        unsubscribers.delete(unsubscribe);
        for (const entry of active) {
          if (entry.timer) clearTimeout(entry.timer);
          covHandlers.delete(entry.processId);
        }
        if (!open) return;
        // Cancel on the device so it stops sending; a device that does not answer drops it at the lifetime's end.
        await Promise.all(
          active.map((entry) =>
            open?.client
              .subscribeCov(device, entry.p.objectId, entry.processId, true, false, 0)
              .catch(() => undefined),
          ),
        );
      })();
      return cancelled;
    };
    unsubscribers.add(unsubscribe);
    return unsubscribe;
  };

  const close = async (): Promise<void> => {
    await connecting?.catch(() => undefined);
    for (const unsubscribe of [...unsubscribers]) await unsubscribe();
    const o = open;
    open = null;
    health.connected = false;
    await o?.close();
  };

  return {
    id: settings.id,
    connect,
    read,
    write,
    relinquish,
    subscribe,
    health: (): GatewayHealth => ({ ...health }),
    close,
  };
}

import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { EaioConfig } from '../config/index.ts';
import { StackError } from './errors.ts';
import { canBind, freePort, parseHostPort } from './network.ts';
import type { StackPaths } from './paths.ts';

/** How many KRaft nodes `stack up` may run: one (the default) or a three-voter cluster. */
export const BROKER_COUNTS = [1, 3] as const;
export type BrokerCount = (typeof BROKER_COUNTS)[number];

/** The pid-record name of the single broker, and the prefix of a cluster node's (`kafka-<id>`). */
export const KAFKA = 'kafka';

/** Node ids a cluster may use; `stack down` stops every one of them whatever is remembered. */
export const CLUSTER_NODE_IDS = [1, 2, 3] as const;

/** One KRaft node (broker and controller in one JVM) started from the state folder. */
export interface KafkaNode {
  /** Pid-record name: `kafka` for the single broker, `kafka-<id>` for a cluster node. */
  readonly name: string;
  readonly nodeId: number;
  readonly listener: { readonly host: string; readonly port: number };
  readonly controllerPort: number;
  readonly data: string;
  readonly serverProperties: string;
  readonly logFile: string;
}

/** The local Kafka of one state folder: its nodes and where their shared cluster id is kept. */
export interface KafkaLayout {
  readonly brokers: BrokerCount;
  readonly clusterIdFile: string;
  readonly nodes: readonly KafkaNode[];
}

/** On-disk form of `<stateDir>/kafka-cluster.json`: the broker count and the ports each node got. */
interface RememberedLayout {
  brokers: BrokerCount;
  nodes?: { nodeId: number; listener: string; controllerPort: number }[];
}

const layoutFile = (paths: StackPaths) => join(paths.root, 'kafka-cluster.json');

export const clusterNodeName = (nodeId: number) => `${KAFKA}-${nodeId}`;

/** A typed error for a broker count other than 1 or 3. */
export function brokerCountOf(value: number): BrokerCount {
  const found = BROKER_COUNTS.find((n) => n === value);
  if (found === undefined)
    throw new StackError(
      'kafka',
      'CONFIG_INVALID',
      'permanent',
      `--brokers takes ${BROKER_COUNTS.join(' or ')} (a KRaft quorum of three voters survives one lost node), not ${value}`,
    );
  return found;
}

/** The broker count the last `stack up` of this state folder chose, when it recorded one. */
export async function rememberedLayout(paths: StackPaths): Promise<RememberedLayout | undefined> {
  const file = layoutFile(paths);
  if (!existsSync(file)) return undefined;
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as Partial<RememberedLayout>;
    const brokers = BROKER_COUNTS.find((n) => n === parsed.brokers);
    if (brokers === undefined) return undefined;
    const nodes = Array.isArray(parsed.nodes)
      ? parsed.nodes.filter(
          (n) =>
            Number.isInteger(n?.nodeId) &&
            typeof n?.listener === 'string' &&
            Number.isInteger(n?.controllerPort),
        )
      : undefined;
    return nodes ? { brokers, nodes } : { brokers };
  } catch {
    return undefined;
  }
}

/** The broker count to use: asked for, else remembered, else one. */
export async function chosenBrokerCount(paths: StackPaths, asked?: number): Promise<BrokerCount> {
  if (asked !== undefined) return brokerCountOf(asked);
  return (await rememberedLayout(paths))?.brokers ?? 1;
}

export async function rememberLayout(paths: StackPaths, layout: KafkaLayout): Promise<void> {
  const remembered: RememberedLayout =
    layout.brokers === 1
      ? { brokers: 1 }
      : {
          brokers: layout.brokers,
          nodes: layout.nodes.map((n) => ({
            nodeId: n.nodeId,
            listener: formatHostPort(n.listener),
            controllerPort: n.controllerPort,
          })),
        };
  await writeFile(layoutFile(paths), `${JSON.stringify(remembered, null, 2)}\n`);
}

export function formatHostPort({ host, port }: { host: string; port: number }): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** The single broker's files, exactly where they have always been. */
function singleNode(config: EaioConfig, paths: StackPaths): KafkaNode {
  const first = config.kafka.brokers[0];
  if (first === undefined)
    throw new StackError('kafka', 'CONFIG_INVALID', 'permanent', 'config.kafka.brokers is empty');
  return {
    name: KAFKA,
    nodeId: 1,
    listener: parseHostPort(first, 9092),
    controllerPort: config.stack.kafkaControllerPort,
    data: join(paths.data, 'kafka'),
    serverProperties: join(paths.conf, 'kafka-server.properties'),
    logFile: join(paths.logs, 'kafka.log'),
  };
}

function clusterNode(
  paths: StackPaths,
  nodeId: number,
  listener: { host: string; port: number },
  controllerPort: number,
): KafkaNode {
  return {
    name: clusterNodeName(nodeId),
    nodeId,
    listener,
    controllerPort,
    data: join(paths.data, 'kafka-cluster', `node-${nodeId}`),
    serverProperties: join(paths.conf, `kafka-${nodeId}-server.properties`),
    logFile: join(paths.logs, `kafka-${nodeId}.log`),
  };
}

const clusterIdFileOf = (paths: StackPaths, brokers: BrokerCount) =>
  brokers === 1 ? join(paths.data, 'kafka-cluster-id') : join(paths.data, 'kafka-cluster', 'cluster-id');

/**
 * The layout as recorded, without choosing any port: for `stack status` and `stack down`. A cluster
 * whose ports were never recorded has node 1 on the configured ports only.
 */
export async function recordedLayout(config: EaioConfig, paths: StackPaths): Promise<KafkaLayout> {
  const remembered = await rememberedLayout(paths);
  if (remembered?.brokers !== 3) return planSingle(config, paths);
  const nodes = (remembered.nodes ?? []).map((n) =>
    clusterNode(paths, n.nodeId, parseHostPort(n.listener, 9092), n.controllerPort),
  );
  return { brokers: 3, clusterIdFile: clusterIdFileOf(paths, 3), nodes };
}

function planSingle(config: EaioConfig, paths: StackPaths): KafkaLayout {
  return { brokers: 1, clusterIdFile: clusterIdFileOf(paths, 1), nodes: [singleNode(config, paths)] };
}

/**
 * The nodes `stack up` runs. One broker: the configured listener and controller port, as always.
 * Three: node 1 on those same ports; nodes 2 and 3 on the ports recorded by an earlier `up` of this
 * state folder, else on the configured `kafka.brokers[1..2]`, else two above the previous node's
 * (9094/9095, 9096/9097 by default) or, when those are taken, on free ones. Ports stay stable across
 * restarts because the controller quorum names every voter by its port.
 */
export async function planKafkaLayout(
  config: EaioConfig,
  paths: StackPaths,
  brokers: BrokerCount,
): Promise<KafkaLayout> {
  const single = singleNode(config, paths);
  if (brokers === 1) return planSingle(config, paths);
  const remembered = (await rememberedLayout(paths))?.nodes ?? [];
  const taken = new Set<number>([single.listener.port, single.controllerPort]);
  const nodes: KafkaNode[] = [clusterNode(paths, 1, single.listener, single.controllerPort)];
  for (let i = 1; i < brokers; i++) {
    const nodeId = i + 1;
    const previous = nodes[i - 1] ?? single;
    const recorded = remembered.find((n) => n.nodeId === nodeId);
    const configured = config.kafka.brokers[i];
    const listener = recorded
      ? parseHostPort(recorded.listener, 9092)
      : configured !== undefined
        ? parseHostPort(configured, 9092)
        : {
            host: single.listener.host,
            port: await pickPort(single.listener.host, previous.listener.port + 2, taken),
          };
    taken.add(listener.port);
    const controllerPort =
      recorded?.controllerPort ?? (await pickPort('127.0.0.1', previous.controllerPort + 2, taken));
    taken.add(controllerPort);
    nodes.push(clusterNode(paths, nodeId, listener, controllerPort));
  }
  return { brokers, clusterIdFile: clusterIdFileOf(paths, brokers), nodes };
}

/** `preferred` when it is bindable and not already given to another node, else a free port. */
async function pickPort(host: string, preferred: number, taken: ReadonlySet<number>): Promise<number> {
  if (preferred <= 65_535 && !taken.has(preferred) && (await canBind(host, preferred))) return preferred;
  for (;;) {
    const port = await freePort(host);
    if (!taken.has(port)) return port;
  }
}

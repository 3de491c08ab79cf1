export type { Topology, TopologyProcessor, TopologyProjection, TopologyTopic } from './describe-topology.ts';
export { describeTopology } from './describe-topology.ts';
export { registerTopologyResource, TOPOLOGY_URI } from './topology-resource.ts';

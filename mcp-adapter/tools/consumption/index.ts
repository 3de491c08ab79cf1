export { compareToPeers, compareToPeersInput, compareToPeersOutput } from './compare-to-peers.ts';
export { queryConsumptionInput, queryConsumptionOutput, queryConsumptionTool } from './query-consumption.ts';
export { weatherImpact, weatherImpactInput, weatherImpactOutput } from './weather-impact.ts';

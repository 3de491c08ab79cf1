export { estimateSavings, estimateSavingsInput, estimateSavingsOutput } from './estimate-savings.ts';

export type { CheckOptions, SubjectCheck } from './check-against-registry.ts';
export { checkSchemasAgainstRegistry } from './check-against-registry.ts';
export type { CompatibilityLevel, Incompatibility } from './find-incompatibilities.ts';
export { checkCompatibility, findIncompatibilities } from './find-incompatibilities.ts';

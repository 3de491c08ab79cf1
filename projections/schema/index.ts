export type { AppliedMigrations } from './run-migrations.ts';
export { runMigrations } from './run-migrations.ts';

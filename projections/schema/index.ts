export {
  ensureMonthlyPartitions,
  ensureMonthlyPartitionsNow,
  monthlyPartitionName,
  monthsOf,
} from './monthly-partitions.ts';
export type { AppliedMigrations } from './run-migrations.ts';
export { runMigrations } from './run-migrations.ts';

import { describe, expect, it } from 'vitest';
import { EaioError } from '../../infra/errors/index.ts';
import { createWriteStatus, runHealthChecks, writeStatusCheck } from '../../infra/health/index.ts';
import { isStorageFull, storageFull } from '../../infra/resilience/index.ts';
import { sinkUnavailable } from '../../stream-runtime/index.ts';

const pgDiskFull = Object.assign(
  new Error('could not extend file "base/16384/1249": No space left on device'),
  {
    code: '53100',
  },
);

describe('a store out of space', () => {
  it('is recognised by SQLSTATE 53100, ENOSPC and KAFKA_STORAGE_ERROR, also as a cause', () => {
    expect(isStorageFull(pgDiskFull)).toBe(true);
    expect(isStorageFull(Object.assign(new Error('write failed'), { code: 'ENOSPC' }))).toBe(true);
    expect(isStorageFull(Object.assign(new Error('Disk error'), { type: 'KAFKA_STORAGE_ERROR' }))).toBe(true);
    expect(isStorageFull(new Error('outer', { cause: pgDiskFull }))).toBe(true);
    expect(isStorageFull(Object.assign(new Error('duplicate key'), { code: '23505' }))).toBe(false);
    expect(isStorageFull(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))).toBe(false);
  });

  it('becomes a transient STORAGE_FULL naming the store, so it is retried and never dead-lettered', () => {
    const error = storageFull('postgres', pgDiskFull);
    expect(error).toMatchObject({
      code: 'STORAGE_FULL',
      kind: 'transient',
      context: { dependency: 'postgres' },
    });
    expect(error.message).toMatch(
      /^PostgreSQL is out of disk space: writes are refused until space is freed/,
    );
    expect(storageFull('kafka', pgDiskFull).message).toMatch(/^Kafka is not accepting writes/);
    const sink = sinkUnavailable(pgDiskFull, 'postgres', { projection: 'readings' });
    expect(sink).toMatchObject({ code: 'STORAGE_FULL', kind: 'transient' });
    expect(sink.context).toMatchObject({ dependency: 'postgres', sink: 'postgres', projection: 'readings' });
    expect(sinkUnavailable(new Error('boom'), 'postgres').code).toBe('SINK_UNAVAILABLE');
  });

  it('fails the writes check with its message until a write succeeds again', async () => {
    let now = new Date('2026-12-06T19:40:00Z');
    const status = createWriteStatus(() => now);
    const check = writeStatusCheck(status, 'projector-writes');
    expect((await runHealthChecks([check])).ok).toBe(true);
    status.failed(storageFull('postgres', pgDiskFull));
    now = new Date('2026-12-06T19:41:00Z');
    status.failed(new EaioError('STORAGE_FULL', 'transient', 'PostgreSQL is out of disk space: again'));
    const report = await runHealthChecks([check]);
    expect(report.ok).toBe(false);
    expect(report.checks[0]?.reason).toBe(
      'writes failing since 2026-12-06T19:40:00.000Z: PostgreSQL is out of disk space: again',
    );
    status.succeeded();
    expect((await runHealthChecks([check])).ok).toBe(true);
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TOPICS } from '../../schemas/index.ts';

describe('the event catalogue in docs/concepts.md', () => {
  const readme = readFileSync(new URL('../../docs/concepts.md', import.meta.url), 'utf8');

  it('has one row per catalogue topic with its key, value type, partitions, cleanup and compatibility', () => {
    for (const spec of Object.values(TOPICS)) {
      const row = readme.split('\n').find((line) => line.startsWith(`| \`eaio.${spec.name}\` |`));
      expect(row, `docs/concepts.md row for ${spec.name}`).toBeDefined();
      const cells = (row ?? '').split('|').map((c) => c.trim());
      expect(cells.slice(2, 7)).toEqual([
        spec.key,
        `\`${spec.valueType}\``,
        String(spec.partitions),
        `${spec.cleanupPolicy}, ${spec.retentionMs === -1 ? 'kept forever' : `${spec.retentionMs} ms`}`,
        spec.cleanupPolicy === 'compact' ? 'FULL' : 'BACKWARD',
      ]);
    }
  });
});

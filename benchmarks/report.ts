import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { latestResults, renderLatestFigures, replaceLatestFigures } from './harness/index.ts';

/**
 * `npm run bench:report`: rewrites the Latest figures section of benchmarks/README.md from the
 * newest results file of each benchmark in benchmarks/results/.
 */
const readmePath = fileURLToPath(new URL('./README.md', import.meta.url));
const results = await latestResults(fileURLToPath(new URL('./results', import.meta.url)));
const readme = await readFile(readmePath, 'utf8');
await writeFile(readmePath, replaceLatestFigures(readme, renderLatestFigures(results)));
process.stdout.write(
  `benchmarks/README.md: latest figures of ${results.map((r) => `${r.benchmark} (${r.startedAt})`).join(', ') || 'no benchmark'}\n`,
);

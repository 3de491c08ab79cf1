import { readFileSync } from 'node:fs';
import { parseMetaOpen } from './sources/bdg1/index.ts';
import { writeSimulatedWideReadings } from './sources/simulated-readings/index.ts';
import { readingsWideFormat } from './sources/import/index.ts';
const buildings = parseMetaOpen(readFileSync('sources/bdg1/data/meta_open.csv', 'utf8')).buildings;
const path = '/tmp/rf/wide-prof.csv';
await writeSimulatedWideReadings({ path, buildings, meterKind: 'electricity', from: new Date('2016-01-01T00:00:00Z'), hours: 2000, seed: 1, layout: 'bdg1', timestamps: 'utc' });
const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
const records = lines.slice(1).map((text, i) => ({ line: i + 2, fields: text.split(','), text }));
for (let round = 0; round < 3; round++) {
  const f = readingsWideFormat.create({ fileName: 'temp_open_utc.csv', timezoneOf: () => undefined, timezoneOfStation: () => undefined, registeredAt: new Date() });
  f.start({ line: 1, fields: lines[0]!.split(','), text: lines[0]! });
  const t = performance.now();
  let units = 0;
  for (const r of records) for (const res of f.record(r)) units += res.units.length;
  const ms = performance.now() - t;
  console.log({ cells: units, cellsPerS: Math.round(units / ms * 1000) });
}

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type BuildingRegistered, derivedEventId } from '../../schemas/index.ts';
import { parseMetaOpen } from '../../sources/bdg1/index.ts';
import {
  bdg1MetaFormat,
  bdg2MetaFormat,
  IMPORT_FORMATS,
  stableDescription,
} from '../../sources/import/formats/index.ts';
import { ImportHeaderError } from '../../sources/import/index.ts';
import {
  defaultOptions,
  type FormatRun,
  invalidEvents,
  runFormat,
  sourceRecords,
} from './support/run-import-format.ts';

const metaOpen = readFileSync(new URL('../../sources/bdg1/data/meta_open.csv', import.meta.url), 'utf8');
/**
 * `fixtures/bdg2-metadata.sample.csv`: the 32-column header of BDG2 `metadata.csv` and real building and
 * site ids. Bear_education_Sharon's row is as published; for the others, primary use and time zone are
 * read from the id (`<site>_<use>_<name>`) and the site's location, and area, position and year are left
 * empty rather than guessed.
 */
const bdg2Meta = readFileSync(new URL('./fixtures/bdg2-metadata.sample.csv', import.meta.url), 'utf8');

const buildings = (r: FormatRun): BuildingRegistered[] =>
  r.events.flatMap((e) => (e.topic === 'buildings' ? [e.event] : []));

function outcomes(r: FormatRun): [number, string][] {
  return r.results.flatMap((res) =>
    res.units.map((u): [number, string] => [
      res.record.line,
      u.kind === 'cleaned' ? u.rule : u.kind === 'deadLettered' ? u.reason : 'produced',
    ]),
  );
}

describe('bdg1-meta on the full meta_open.csv (CR line ends, many empty fields)', () => {
  const run = (): FormatRun => runFormat(bdg1MetaFormat, metaOpen, defaultOptions('meta_open.csv'));

  it('registers every one of the 507 buildings, keyed by id, as the shared row mapping reads them', () => {
    const r = run();
    expect(r.read).toBe(507);
    expect({ produced: r.produced, cleaned: r.cleaned, deadLettered: r.deadLettered }).toEqual({
      produced: 507,
      cleaned: 0,
      deadLettered: 0,
    });
    expect(r.results.map((x) => x.record.line)).toEqual(r.results.map((_, i) => i + 2));
    console.info(`meta_open.csv read ${r.read} produced ${r.produced} cleaned 0 dead-lettered 0`);
    const events = buildings(r);
    expect(invalidEvents(r.events)).toEqual([]);
    const whole = parseMetaOpen(metaOpen);
    expect(whole.rejected).toEqual([]);
    expect(
      events.map((e) => [
        e.buildingId,
        e.primaryUse,
        e.floorAreaM2,
        e.timezone,
        e.yearBuilt,
        e.weatherStationId,
      ]),
    ).toEqual(
      whole.buildings.map((b) => [
        b.buildingId,
        b.primaryUse,
        b.floorAreaM2,
        b.timezone,
        b.yearBuilt,
        b.weatherStationId,
      ]),
    );
    expect(r.events.every((e) => e.key === (e.event as BuildingRegistered).buildingId)).toBe(true);
  });

  it('reads a known row exactly, with a content-derived id that a re-import repeats', () => {
    const clifford = buildings(run()).find((b) => b.buildingId === 'UnivClass_Clifford');
    const description = {
      buildingId: 'UnivClass_Clifford',
      siteId: null,
      primaryUse: 'College Classroom',
      floorAreaM2: 5292.591007,
      timezone: 'America/New_York',
      yearBuilt: 1967,
      weatherStationId: 'bdg1-weather2',
      tenantId: null,
    };
    expect(clifford).toEqual({
      eventId: derivedEventId('building-registered', 'UnivClass_Clifford', stableDescription(description)),
      occurredAt: new Date('2026-01-01T00:00:00Z'),
      source: 'bdg1-importer',
      ...description,
      traceContext: null,
    });
    expect(buildings(run()).map((b) => b.eventId)).toEqual(buildings(run()).map((b) => b.eventId));
  });

  it('dead-letters rows that cannot describe a building, and tells a repeat from a conflict', () => {
    const [headerLine, first] = metaOpen.split('\r');
    const firstFields = (first ?? '').split(',');
    const withField = (i: number, v: string) => firstFields.map((f, j) => (j === i ? v : f)).join(',');
    const header = (headerLine ?? '').split(',');
    const body = [
      headerLine,
      first,
      first,
      withField(header.indexOf('sqm'), '12'),
      withField(header.indexOf('uid'), ''),
      withField(header.indexOf('timezone'), 'Mars/Olympus'),
      'too,few',
    ].join('\r');
    const r = runFormat(bdg1MetaFormat, body, defaultOptions('meta_open.csv'));
    expect(outcomes(r)).toEqual([
      [2, 'produced'],
      [3, 'repeated row'],
      [4, 'conflicting duplicate building'],
      [5, 'not a building'],
      [6, 'not a building'],
      [7, 'wrong column count'],
    ]);
    const tz = r.units[4];
    expect(tz?.kind === 'deadLettered' && tz.detail).toBe('timezone is not an IANA time zone');
  });

  it('is recognised by its header; a header without newweatherfilename matches no format', () => {
    const [h] = sourceRecords(metaOpen, true);
    expect(IMPORT_FORMATS.filter((f) => f.matches(h?.fields ?? []))).toEqual([bdg1MetaFormat]);
    const format = bdg1MetaFormat.create(defaultOptions('meta_open.csv'));
    const fields = (h?.fields ?? []).filter((f) => f !== 'timezone');
    expect(() => format.start({ line: 1, fields, text: '' })).toThrow(
      expect.objectContaining({ expected: ['timezone'] }),
    );
    expect(() => format.start({ line: 1, fields, text: '' })).toThrow(ImportHeaderError);
  });
});

describe('bdg2-meta on the fixture', () => {
  const run = (body = bdg2Meta): FormatRun => runFormat(bdg2MetaFormat, body, defaultOptions('metadata.csv'));

  it('registers each building with its site, the site station and the zone as canonical IANA name', () => {
    const r = run();
    expect(r.read).toBe(5);
    expect(r.produced).toBe(5);
    const sharon = buildings(r)[0];
    expect(sharon).toMatchObject({
      buildingId: 'Bear_education_Sharon',
      siteId: 'Bear',
      primaryUse: 'Education',
      floorAreaM2: 5261.7,
      timezone: 'America/Los_Angeles',
      yearBuilt: 1953,
      weatherStationId: 'bdg2-Bear',
      tenantId: null,
      source: 'bdg2-importer',
    });
    expect(buildings(r).map((b) => b.timezone)).toEqual([
      'America/Los_Angeles',
      'America/New_York',
      'America/New_York',
      'America/Denver',
      'Europe/Dublin',
    ]);
    expect(buildings(r)[1]).toMatchObject({ floorAreaM2: null, yearBuilt: null });
    const [h] = sourceRecords(bdg2Meta, true);
    expect(IMPORT_FORMATS.filter((f) => f.matches(h?.fields ?? []))).toEqual([bdg2MetaFormat]);
    expect(invalidEvents(r.events)).toEqual([]);
  });

  it('dead-letters rows that cannot describe a building, with the reason', () => {
    const [header, sharon] = bdg2Meta.split('\n');
    const cols = (header ?? '').split(',');
    const edit = (name: string, v: string) =>
      (sharon ?? '')
        .split(',')
        .map((f, j) => (j === cols.indexOf(name) ? v : f))
        .join(',');
    const r = run(
      [
        header,
        edit('timezone', 'Eastern'),
        edit('primaryspaceusage', ''),
        edit('yearbuilt', '1953.5'),
        edit('sqm', '-3'),
        edit('building_id', ''),
      ].join('\n'),
    );
    expect(r.units.map((u) => (u.kind === 'deadLettered' ? u.detail : u.kind))).toEqual([
      'timezone "Eastern" is not an IANA time zone',
      'primaryspaceusage is empty',
      'yearbuilt "1953.5" is not a year',
      'sqm "-3" is not a positive number',
      'building_id is empty',
    ]);
    expect(r.deadLetteredByReason).toEqual({ 'not a building': 5 });
  });
});

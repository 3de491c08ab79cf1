-- Read models of the walking skeleton. Every row records the log position it came from, so writes
-- are idempotent by natural key and an older event never overwrites a newer one.

CREATE TABLE buildings (
  building_id        text PRIMARY KEY,
  site_id            text,
  primary_use        text NOT NULL,
  floor_area_m2      double precision,
  timezone           text NOT NULL,
  year_built         integer,
  weather_station_id text,
  registered_at      timestamptz NOT NULL,
  event_id           uuid NOT NULL,
  source_partition   integer NOT NULL,
  source_offset      bigint NOT NULL
);

-- One row per meter and event time (the natural key); a later event for the same key replaces it.
CREATE TABLE readings (
  meter_id         text NOT NULL,
  occurred_at      timestamptz NOT NULL,
  building_id      text NOT NULL,
  meter_kind       text NOT NULL,
  value            double precision NOT NULL,
  unit             text NOT NULL,
  event_id         uuid NOT NULL,
  source           text NOT NULL,
  source_partition integer NOT NULL,
  source_offset    bigint NOT NULL,
  PRIMARY KEY (meter_id, occurred_at)
);
CREATE INDEX readings_building_time ON readings (building_id, occurred_at DESC);

-- Latest reading per meter, by event time (then log position).
CREATE TABLE latest_readings (
  meter_id         text PRIMARY KEY,
  building_id      text NOT NULL,
  meter_kind       text NOT NULL,
  value            double precision NOT NULL,
  unit             text NOT NULL,
  occurred_at      timestamptz NOT NULL,
  event_id         uuid NOT NULL,
  source_partition integer NOT NULL,
  source_offset    bigint NOT NULL
);
CREATE INDEX latest_readings_building ON latest_readings (building_id, meter_kind);

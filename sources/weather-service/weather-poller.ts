import { setTimeout as delay } from 'node:timers/promises';
import { EaioError } from '../../infra/errors/index.ts';
import { describeFailure } from '../../infra/health/index.ts';
import { HOUR_MS } from '../../schemas/index.ts';
import { publishWeatherEvents, type WeatherPollerDeps } from './publish-weather.ts';
import {
  createWeatherCallPolicy,
  type WeatherCallPolicyOptions,
  type WeatherCallStatus,
} from './weather-call-policy.ts';
import {
  type AlertThresholds,
  alertEvents,
  type ForecastIssue,
  forecastEvents,
  hourOf,
  observationEvents,
} from './weather-events.ts';
import type {
  CacheValidators,
  FreshWeather,
  HourlyWeather,
  WeatherService,
  WeatherStation,
} from './weather-service.ts';

/** Buildings whose weather station is `stationId` (the app reads the buildings read model). */
export type BuildingsOfStation = (stationId: string) => Promise<readonly string[]>;

export interface WeatherPollerOptions {
  readonly service: WeatherService;
  readonly stations: readonly WeatherStation[];
  /** Time between two polls of a station; answers younger than this are not fetched again. */
  readonly intervalMs: number;
  /** How far back the first poll of a station asks for observations. */
  readonly observationLookbackHours: number;
  readonly alerts: AlertThresholds;
  /** Fills WeatherAlert.buildingIds; none when absent or when it fails (logged). */
  readonly buildingsOf?: BuildingsOfStation;
  /** Retries, back-off and circuit breaker; defaults scale with the interval. */
  readonly policy?: Partial<WeatherCallPolicyOptions>;
  readonly clock?: () => Date;
}

/** The health of one station, for logs and `/health`. */
export interface StationStatus {
  readonly stationId: string;
  readonly lastSuccessAt?: Date;
  readonly lastFailureAt?: Date;
  /** The last failure as text, kept after a success so people can see what happened. */
  readonly lastFailure?: string;
  readonly lastFailureCode?: string;
  /** Failed polls since the last success. */
  readonly consecutiveFailures: number;
  /** The newest observed hour produced. */
  readonly observedUntil?: Date;
  /** Issue time of the newest forecast produced. */
  readonly forecastIssuedAt?: Date;
}

/** What one poll of one station did. */
export interface StationPollResult {
  readonly stationId: string;
  readonly ok: boolean;
  readonly observations: number;
  readonly forecasts: number;
  readonly alerts: number;
  /** Requests answered from the cache (within the interval) or with 304 (unchanged). */
  readonly unchanged: number;
  readonly error?: unknown;
}

export interface WeatherPoller {
  /** Polls every station once (a station already polling is waited for, not polled twice). */
  pollOnce(): Promise<readonly StationPollResult[]>;
  /** Polls every station every interval until {@link stop} (a stopped poller does not start again). */
  start(): void;
  stop(): Promise<void>;
  status(): readonly StationStatus[];
  /** Circuit and Retry-After state of the service. */
  serviceStatus(): WeatherCallStatus;
  /** The last forecast hours received for a station (the kept body), if any. */
  latestForecast(stationId: string): readonly HourlyWeather[] | undefined;
}

/** The last answer kept for one request, with its validators and when it was fetched. */
interface Cached {
  readonly key: string;
  readonly fetchedAt: number;
  readonly answer: FreshWeather;
}

interface StationState {
  readonly station: WeatherStation;
  observations?: Cached;
  forecast?: Cached;
  observedUntil?: Date;
  forecastIssuedAt?: Date;
  running: Promise<StationPollResult> | undefined;
  status: StationStatus;
}

const isoDate = (at: Date): string => at.toISOString().slice(0, 10);

function codeOf(error: unknown): string | undefined {
  return error instanceof EaioError ? error.code : undefined;
}

/**
 * The weather poller: each station is polled once per interval, never twice at once. A poll asks
 * the service for the observed hours since the station's high-water mark and for the forecast,
 * sending the validators of the last answer (a 304 produces nothing), and produces
 * WeatherObservation for hours not yet produced, WeatherForecast for each hour of a new issue and a
 * WeatherAlert per contiguous window beyond a threshold, all with derived ids, keyed by station. A
 * failed poll is logged and recorded in {@link WeatherPoller.status}; the next one tries again.
 */
export function createWeatherPoller(deps: WeatherPollerDeps, options: WeatherPollerOptions): WeatherPoller {
  const clock = options.clock ?? (() => new Date());
  const { service, intervalMs } = options;
  const logger = deps.logger;
  const policy = createWeatherCallPolicy({
    attempts: 3,
    baseDelayMs: Math.min(1_000, Math.max(10, intervalMs / 10)),
    maxDelayMs: Math.min(30_000, Math.max(100, intervalMs / 2)),
    maxRetryAfterMs: Math.max(1_000, intervalMs),
    consecutiveFailures: 5,
    halfOpenAfterMs: Math.min(60_000, Math.max(100, intervalMs)),
    maxHalfOpenAfterMs: Math.max(30_000, intervalMs * 4),
    logger,
    ...options.policy,
  });
  // A timer may fire a little before a full interval has passed since the last fetch started; such a
  // tick must still fetch, so an answer counts as fresh for slightly less than the interval.
  const freshForMs = intervalMs - Math.min(50, intervalMs / 10);
  const states = new Map<string, StationState>(
    options.stations.map((station) => [
      station.id,
      { station, running: undefined, status: { stationId: station.id, consecutiveFailures: 0 } },
    ]),
  );
  const stopping = new AbortController();
  let loops: Promise<void>[] = [];

  /**
   * Fetches unless the kept answer is younger than the interval; undefined when there is nothing new
   * (fresh kept answer, or 304). The caller keeps a fresh answer with {@link keep} only once its events
   * are produced, so a failed send is fetched again rather than taken for done by a later 304.
   */
  async function fetchFresh(
    slot: 'observations' | 'forecast',
    state: StationState,
    key: string,
    fetch: (
      validators: CacheValidators | undefined,
      signal: AbortSignal,
    ) => Promise<FreshWeather | { status: 'not-modified' }>,
  ): Promise<Cached | undefined> {
    const kept = state[slot];
    const startedAt = clock().getTime();
    // Fresh means fetched within the interval, whatever was asked: a moved range is no reason to ask again.
    if (kept !== undefined && startedAt - kept.fetchedAt < freshForMs) return undefined;
    const validators = kept?.key === key ? kept.answer.validators : undefined;
    const answer = await policy.call((signal) => fetch(validators, signal), stopping.signal);
    if (answer.status === 'not-modified') {
      if (kept === undefined || kept.key !== key)
        throw new EaioError(
          'WEATHER_RESPONSE_INVALID',
          'permanent',
          'The weather service answered 304 to an unconditional request',
          {
            context: { stationId: state.station.id, request: slot },
          },
        );
      state[slot] = { ...kept, fetchedAt: startedAt };
      return undefined;
    }
    return { key, fetchedAt: startedAt, answer };
  }

  async function pollObservations(state: StationState): Promise<number | undefined> {
    const now = clock();
    const to = new Date(hourOf(now).getTime() + HOUR_MS);
    const from =
      state.observedUntil === undefined
        ? new Date(hourOf(now).getTime() - options.observationLookbackHours * HOUR_MS)
        : new Date(state.observedUntil.getTime() + HOUR_MS);
    if (from >= to) return 0;
    const key = `${isoDate(from)}/${isoDate(new Date(to.getTime() - HOUR_MS))}`;
    const fresh = await fetchFresh('observations', state, key, (validators, signal) =>
      service.observations(state.station, { from, to }, { ...(validators ? { validators } : {}), signal }),
    );
    if (fresh === undefined) return undefined;
    const since = state.observedUntil;
    const hours = fresh.answer.hours.filter((h) => since === undefined || h.at > since);
    await publishWeatherEvents(
      deps,
      'weatherObservations',
      observationEvents(service.provider, state.station.id, hours),
    );
    state.observations = fresh;
    const last = hours[hours.length - 1];
    if (last !== undefined) state.observedUntil = last.at;
    return hours.length;
  }

  async function pollForecast(
    state: StationState,
  ): Promise<{ forecasts: number; alerts: number } | undefined> {
    const fresh = await fetchFresh('forecast', state, 'forecast', (validators, signal) =>
      service.forecast(state.station, { ...(validators ? { validators } : {}), signal }),
    );
    if (fresh === undefined) return undefined;
    const issuedAt = fresh.answer.issuedAt ?? hourOf(new Date(fresh.fetchedAt));
    // The same issue fetched again (within its hour) carries the same ids: it was produced already.
    if (state.forecastIssuedAt !== undefined && issuedAt.getTime() <= state.forecastIssuedAt.getTime()) {
      state.forecast = fresh;
      return undefined;
    }
    const issue: ForecastIssue = {
      provider: service.provider,
      stationId: state.station.id,
      issuedAt,
      fetchedAt: new Date(fresh.fetchedAt),
      hours: fresh.answer.hours,
    };
    const forecasts = forecastEvents(issue);
    const alerts = alertEvents(issue, options.alerts, await buildingsOf(state.station.id));
    await publishWeatherEvents(deps, 'weatherForecasts', forecasts);
    await publishWeatherEvents(deps, 'weatherAlerts', alerts);
    state.forecast = fresh;
    state.forecastIssuedAt = issuedAt;
    return { forecasts: forecasts.length, alerts: alerts.length };
  }

  async function buildingsOf(stationId: string): Promise<readonly string[]> {
    if (options.buildingsOf === undefined) return [];
    try {
      return await options.buildingsOf(stationId);
    } catch (error) {
      logger.warn(
        { err: error, stationId },
        'weather alert without building ids: the buildings lookup failed',
      );
      return [];
    }
  }

  function recordSuccess(state: StationState): void {
    const { status } = state;
    if (status.consecutiveFailures > 0)
      logger.info(
        {
          stationId: status.stationId,
          failedPolls: status.consecutiveFailures,
          lastFailure: status.lastFailure,
        },
        'weather poll recovered',
      );
    state.status = {
      ...status,
      lastSuccessAt: clock(),
      consecutiveFailures: 0,
      ...(state.observedUntil ? { observedUntil: state.observedUntil } : {}),
      ...(state.forecastIssuedAt ? { forecastIssuedAt: state.forecastIssuedAt } : {}),
    };
  }

  function recordFailure(state: StationState, error: unknown): void {
    const { status } = state;
    const text = describeFailure(error);
    const code = codeOf(error);
    // The first failure of a run, or a different one, is a warning; repeats of it would flood the log.
    const fields = {
      stationId: status.stationId,
      code,
      failedPolls: status.consecutiveFailures + 1,
      err: error,
    };
    if (status.consecutiveFailures === 0 || status.lastFailureCode !== code)
      logger.warn(fields, 'weather poll failed; the next poll tries again');
    else logger.debug(fields, 'weather poll failed again');
    state.status = {
      ...status,
      lastFailureAt: clock(),
      lastFailure: text,
      ...(code === undefined ? {} : { lastFailureCode: code }),
      consecutiveFailures: status.consecutiveFailures + 1,
    };
  }

  async function pollStationNow(state: StationState): Promise<StationPollResult> {
    const result = { stationId: state.station.id, observations: 0, forecasts: 0, alerts: 0, unchanged: 0 };
    let failure: unknown;
    // Observations and forecast fail separately: a bad archive answer must not hold back the forecast.
    try {
      const observed = await pollObservations(state);
      if (observed === undefined) result.unchanged++;
      else result.observations = observed;
    } catch (error) {
      failure = error;
    }
    try {
      const forecast = await pollForecast(state);
      if (forecast === undefined) result.unchanged++;
      else Object.assign(result, forecast);
    } catch (error) {
      failure ??= error;
    }
    // A poll cut short by stop() is no failure of the service.
    if (failure !== undefined && stopping.signal.aborted) return { ...result, ok: false, error: failure };
    if (failure === undefined) {
      recordSuccess(state);
      if (result.observations + result.forecasts + result.alerts > 0) logger.info(result, 'weather polled');
      else logger.debug(result, 'weather polled; nothing new');
      return { ...result, ok: true };
    }
    recordFailure(state, failure);
    return { ...result, ok: false, error: failure };
  }

  function pollStation(state: StationState): Promise<StationPollResult> {
    // One poll per station at a time: a caller arriving while one runs waits for it, then finds the cache fresh.
    const previous = state.running ?? Promise.resolve(undefined);
    const next = previous.then(() => pollStationNow(state));
    state.running = next;
    return next;
  }

  async function loop(state: StationState, offsetMs: number): Promise<void> {
    await delay(offsetMs, undefined, { signal: stopping.signal }).catch(() => undefined);
    while (!stopping.signal.aborted) {
      const started = Date.now();
      await pollStation(state);
      // The next poll starts one interval after this one started, later if the service asked so.
      const wait = Math.max(intervalMs - (Date.now() - started), policy.waitMs());
      await delay(wait, undefined, { signal: stopping.signal }).catch(() => undefined);
    }
  }

  return {
    pollOnce: () => Promise.all([...states.values()].map(pollStation)),
    start() {
      if (loops.length > 0) return;
      // Stations spread over the interval: many stations must not hit the service in one burst.
      loops = [...states.values()].map((state, i) => loop(state, (i * intervalMs) / states.size));
    },
    async stop() {
      stopping.abort();
      await Promise.all(loops);
      await Promise.all([...states.values()].map((s) => s.running?.catch(() => undefined)));
    },
    status: () => [...states.values()].map((s) => s.status),
    serviceStatus: () => policy.status(),
    latestForecast: (stationId) => states.get(stationId)?.forecast?.answer.hours,
  };
}

/** A weather station the poller asks a service about; `id` is BuildingRegistered.weatherStationId. */
export interface WeatherStation {
  readonly id: string;
  readonly latitude: number;
  readonly longitude: number;
}

/** What a service said about one UTC hour; every value is null when the service has none. */
export interface HourlyWeather {
  /** Start of the hour (UTC). */
  readonly at: Date;
  readonly temperatureC: number | null;
  readonly relativeHumidityPct: number | null;
  readonly dewPointC: number | null;
  readonly precipitationMm: number | null;
  readonly windSpeedKmh: number | null;
  readonly windDirectionDeg: number | null;
  readonly pressureHpa: number | null;
}

/** HTTP cache validators of an answer, sent back as `If-None-Match` / `If-Modified-Since`. */
export interface CacheValidators {
  readonly etag?: string;
  readonly lastModified?: string;
}

/** A new answer: the hours in time order, with what the next conditional request sends back. */
export interface FreshWeather {
  readonly status: 'fresh';
  readonly hours: readonly HourlyWeather[];
  /** When the provider's model run was issued, if the provider says; otherwise undefined. */
  readonly issuedAt?: Date;
  readonly validators: CacheValidators;
}

/** The service answered 304: the answer last received is still current. */
export interface NotModified {
  readonly status: 'not-modified';
}

export type WeatherAnswer = FreshWeather | NotModified;

/** Options of one request. */
export interface WeatherRequestOptions {
  /** Validators of the previous answer to the same request; sent so the service can answer 304. */
  readonly validators?: CacheValidators;
  /** Aborts the request (the poller stopping). The service adds its own timeout. */
  readonly signal?: AbortSignal;
}

/**
 * A weather service in the shape the poller needs. Failures are EAIO errors: a transient
 * DEPENDENCY_UNAVAILABLE (5xx, 429, timeout, connection lost; `context.retryAfterMs` when the service
 * said when to come back), a WEATHER_REQUEST_REFUSED (4xx: the request is wrong, retrying will not
 * help) or a WEATHER_RESPONSE_INVALID (a body not in the expected shape).
 */
export interface WeatherService {
  /** Provider name carried by the events and part of their ids, e.g. `open-meteo`. */
  readonly provider: string;
  /** Observed (or best-analysed) hours of `station` from `from` (inclusive) to `to` (exclusive). */
  observations(
    station: WeatherStation,
    range: { readonly from: Date; readonly to: Date },
    options?: WeatherRequestOptions,
  ): Promise<WeatherAnswer>;
  /** The provider's current hourly forecast for `station`. */
  forecast(station: WeatherStation, options?: WeatherRequestOptions): Promise<WeatherAnswer>;
}

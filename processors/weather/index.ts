export type {
  DegreeHourBases,
  DegreeHourCalculator,
  DegreeHourModel,
  DegreeHourSample,
  DegreeHours,
} from './degree-hours.ts';
export {
  coolingDegreeHours,
  DEFAULT_DEGREE_HOUR_BASES,
  degreeHours,
  fitDegreeHourModel,
  heatingDegreeHours,
  predictConsumption,
  weatherNormalisedConsumption,
} from './degree-hours.ts';
export type { HourlyWeatherOptions } from './hourly-weather.ts';
export {
  HOURLY_WEATHER_SOURCE,
  hourlyWeather,
  hourlyWeatherEventId,
  hourStartOf,
  meanDirectionDeg,
  summariseHour,
} from './hourly-weather.ts';
export type { BuildingWeatherHour } from './join-buildings.ts';
export { joinBuildingsToWeather, stationsOfBuildings } from './join-buildings.ts';
export { LateObservationError, rejectLateObservations } from './late-observation.ts';

export { getCurrentWeather, getCurrentWeatherInput, getCurrentWeatherOutput } from './get-current-weather.ts';

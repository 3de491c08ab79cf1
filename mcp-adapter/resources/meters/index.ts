export { METER_LATEST_URI_TEMPLATE, registerMeterLatestResource } from './meter-latest-resource.ts';

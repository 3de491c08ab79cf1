import { z } from 'zod';
import { TOOL_NAMES } from '../tool-names.ts';
import {
  buildingIdArgument,
  CITE_PROVENANCE,
  DAY_MS,
  definePrompt,
  optionalInstant,
  startOfUtcDay,
  userMessage,
} from './define-prompt.ts';

/** `energy_audit`: a building's use over four weeks, against its peers and the weather, with its anomalies and data gaps. */
export const energyAudit = definePrompt({
  name: 'energy_audit',
  title: 'Energy audit of a building',
  description:
    'Audit one building: its description and meters, four weeks of daily consumption, its rank among peers of the same use, how much of its use is weather, its anomalies and its data quality; ends with findings and recommendations citing provenance.',
  args: (context) =>
    z.object({
      buildingId: buildingIdArgument(context),
      to: optionalInstant('End of the four audited weeks (exclusive); now by default'),
    }),
  messages({ buildingId, to }, { now }) {
    const end = to ?? startOfUtcDay(now() + DAY_MS);
    const from = new Date(Date.parse(end) - 28 * DAY_MS).toISOString();
    const range = `from ${from} to ${end}`;
    return userMessage(`Energy audit of ${buildingId}, ${range}`, [
      `Run an energy audit of building ${buildingId} over the four weeks ${range}, with the EAIO Stream tools, in this order:`,
      `1. get_building (or read the resource eaio://buildings/${buildingId}): primary use, floor area, time zone, weather station, meters. If its newest reading is older than ${end}, move the window to the four weeks ending at that reading's day and say so.`,
      `2. ${TOOL_NAMES.queryConsumption} with buildingId ${buildingId}, bucket 1d, over the window: the daily consumption per meter kind. Note the weekday/weekend pattern, the trend and any day far from the others.`,
      `3. ${TOOL_NAMES.compareToPeers} over the same window: its energy use intensity (EUI) and percentile among buildings of the same primary use.`,
      `4. ${TOOL_NAMES.weatherImpact} over the same window: the degree-hour model's slope, baseload and R², and the weather-normalised consumption. A low R² means weather explains little of the use.`,
      `5. ${TOOL_NAMES.listAnomalies} for ${buildingId} over the window: readings outside their expected range, by score.`,
      `6. ${TOOL_NAMES.dataQualityReport} over the window: gaps, stuck values, out-of-range or duplicated readings that may distort the figures above.`,
      'Then conclude: how the building uses energy (baseload versus weather-driven share), how it ranks, which anomalies look real and which are data problems, and two or three concrete, checkable recommendations (e.g. night or weekend baseload, heating or cooling set points).',
      `Do not estimate what a tool did not answer; say it is missing. ${CITE_PROVENANCE}`,
    ]);
  },
});

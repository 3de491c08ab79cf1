import { z } from 'zod';
import { TOOL_NAMES } from '../tool-names.ts';
import {
  buildingIdArgument,
  CITE_PROVENANCE,
  DAY_MS,
  definePrompt,
  optionalInstant,
  userMessage,
} from './define-prompt.ts';

/** `anomaly_investigation`: whether a building's anomaly is real use, weather or a data problem. */
export const anomalyInvestigation = definePrompt({
  name: 'anomaly_investigation',
  title: 'Investigate an anomaly',
  description:
    "Investigate a building's anomaly (one by id, or the strongest in a range): the readings around it, the weather, the data quality and the peers, to decide whether it is real use, weather or a data problem.",
  args: (context) =>
    z.object({
      buildingId: buildingIdArgument(context),
      anomalyId: z
        .string()
        .min(1)
        .max(200)
        .optional()
        .describe(
          'Id of the anomaly to investigate, as list_anomalies answers it; the strongest in the range if omitted.',
        ),
      from: optionalInstant(
        'Start of the range to look for anomalies in (inclusive); 7 days before `to` by default',
      ),
      to: optionalInstant('End of the range (exclusive); now by default'),
    }),
  messages({ buildingId, anomalyId, from, to }, { now }) {
    const end = to ?? new Date(now()).toISOString();
    const start = from ?? new Date(Date.parse(end) - 7 * DAY_MS).toISOString();
    const which =
      anomalyId === undefined
        ? `the anomaly with the highest score between ${start} and ${end}`
        : `anomaly ${anomalyId}`;
    return userMessage(`Investigation of ${which} of ${buildingId}`, [
      `Investigate ${which} of building ${buildingId} with the EAIO Stream tools:`,
      `1. ${TOOL_NAMES.listAnomalies} with buildingId ${buildingId}, from ${start}, to ${end}${anomalyId === undefined ? '' : `; find the entry whose id is ${anomalyId} (widen the range if it is not there)`}. Note its meter, time, observed and expected values and score.`,
      `2. ${TOOL_NAMES.queryConsumption} for that meter (meterId), bucket 15m, from one day before to one day after the anomaly: the shape of the readings around it. Read eaio://meters/{meterId}/latest for the meter's current value.`,
      `3. ${TOOL_NAMES.dataQualityReport} over the same two days: a gap, a stuck value, a unit mismatch or a duplicate near the anomaly means it is likely a data problem, not use.`,
      `4. ${TOOL_NAMES.weatherImpact} over the week around it: did the weather explain the change (a cold or hot spell with a high R²)?`,
      `5. ${TOOL_NAMES.compareToPeers} over the same week, to see whether the building's level is unusual for its use.`,
      'Conclude with one of: real change in use (say what likely changed and when), weather-driven, or data problem (say which check), and how confident you are. Suggest what to check on site.',
      `To be told when the building's readings change, subscribe to eaio://buildings/${buildingId}. ${CITE_PROVENANCE}`,
    ]);
  },
});

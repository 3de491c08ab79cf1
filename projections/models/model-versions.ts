import { EaioError } from '../../infra/errors/index.ts';
import { DEFAULT_KNOTS_C } from '../../processors/index.ts';
import type { ForecastModelKind } from '../../schemas/index.ts';

/**
 * A model version: one configuration of a model kind. Versions run side by side on the same meters
 * (each trained and forecasting on its own), live accuracy compares them, and a promotion picks the
 * one answers use. A version's configuration never changes once models of it exist: change it by
 * adding a version, so a replay re-derives the same models.
 */
export interface ModelVersion {
  readonly version: string;
  readonly kind: ForecastModelKind;
  /** Temperature knots in °C (towt only). */
  readonly knotsC: readonly number[];
  /** Whole UTC days the model is fitted on, ending where the held-back window starts. */
  readonly trainingDays: number;
  /** Whole UTC days after the training window the model is scored on, out of sample. */
  readonly heldBackDays: number;
  /** Refit without training hours this many robust sigmas off (towt only; `fitTowt`'s `rejectOutliersMad`). */
  readonly rejectOutliersMad?: number;
  readonly description: string;
}

/** The versions the platform knows, in the order `eaio models train` trains them by default. */
export const MODEL_VERSIONS: readonly ModelVersion[] = [
  {
    version: 'towt-v1',
    kind: 'towt',
    knotsC: DEFAULT_KNOTS_C,
    trainingDays: 56,
    heldBackDays: 7,
    description: "LBNL TOWT's default knots (55/65/75/85/90 °F), 8 weeks of training, 1 week held back.",
  },
  {
    version: 'towt-v2',
    kind: 'towt',
    knotsC: [10, 20],
    trainingDays: 28,
    heldBackDays: 7,
    description:
      'Two knots (10 and 20 °C) on 4 weeks of training, 1 week held back: quicker to follow a season.',
  },
  {
    version: 'towt-v3',
    kind: 'towt',
    knotsC: DEFAULT_KNOTS_C,
    trainingDays: 56,
    heldBackDays: 7,
    rejectOutliersMad: 4,
    description:
      "towt-v1's knots and windows, refitted without training hours more than 4 robust sigmas from their hour-of-week slot: meter spikes and flatlines do not pull the fit.",
  },
  {
    version: 'seasonal-naive-v1',
    kind: 'seasonal_naive',
    knotsC: [],
    trainingDays: 7,
    heldBackDays: 7,
    description: 'The same hour one week earlier: the baseline every model must beat.',
  },
];

/** The version answers use where no promotion says otherwise. */
export const DEFAULT_MODEL_VERSION = 'towt-v1';

/** The version called `name`, or an INVALID_ARGUMENT error listing the known ones. */
export function modelVersionNamed(name: string): ModelVersion {
  const found = MODEL_VERSIONS.find((v) => v.version === name);
  if (found === undefined) {
    throw new EaioError(
      'INVALID_ARGUMENT',
      'permanent',
      `unknown model version '${name}'; known versions: ${MODEL_VERSIONS.map((v) => v.version).join(', ')}`,
      { context: { version: name } },
    );
  }
  return found;
}

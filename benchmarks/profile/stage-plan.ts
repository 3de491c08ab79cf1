import { PROCESSORS } from '../../processors/index.ts';
import { PROJECTIONS } from '../../projections/index.ts';
import type { TopicKey } from '../../schemas/index.ts';

/** The live projector's stage name (the processors' names are their catalogue names). */
export const PROJECTOR_STAGE = 'projector';

/** One stage a profile run can start alone: what it must find on the log, what it reads, what it writes. */
export interface StageSpec {
  readonly name: string;
  readonly kind: 'processor' | 'projector';
  /** Inputs that must hold events before the stage runs (a processor's input). */
  readonly requires: readonly TopicKey[];
  /** Every topic the stage reads; those that hold events make its backlog. */
  readonly consumes: readonly TopicKey[];
  readonly produces: readonly TopicKey[];
}

/** Every catalogue processor and the projector, as stage specs. */
export function catalogStages(): StageSpec[] {
  const processors = Object.values(PROCESSORS).map((definition): StageSpec => {
    const inputs: readonly TopicKey[] = 'input' in definition ? [definition.input] : definition.inputs;
    return {
      name: definition.name,
      kind: 'processor',
      requires: inputs,
      consumes: inputs,
      produces: [definition.output],
    };
  });
  const projector: StageSpec = {
    name: PROJECTOR_STAGE,
    kind: 'projector',
    requires: ['sensorReadings'],
    consumes: [...new Set(PROJECTIONS.flatMap((p) => p.handles as readonly TopicKey[]))],
    produces: [],
  };
  return [...processors, projector];
}

/** The stages fed, directly or through other stages, by the backlog's source topics: the default plan. */
export function stagesFedBy(sources: readonly TopicKey[], stages: readonly StageSpec[]): string[] {
  const available = new Set<TopicKey>(sources);
  const chosen: string[] = [];
  let grew = true;
  while (grew) {
    grew = false;
    for (const stage of stages) {
      if (chosen.includes(stage.name) || !stage.requires.every((t) => available.has(t))) continue;
      chosen.push(stage.name);
      for (const t of stage.produces) available.add(t);
      grew = true;
    }
  }
  return chosen;
}

/**
 * Orders the requested stages so each runs after every requested stage that writes a topic it reads
 * (the projector last, once the derived topics are full), keeping the requested order otherwise.
 * Throws when a stage needs a topic that neither the sources nor an earlier stage fill, or when the
 * requested stages feed each other in a cycle.
 */
export function planStages(
  requested: readonly string[],
  stages: readonly StageSpec[],
  sources: readonly TopicKey[],
): StageSpec[] {
  const specs = requested.map((name) => {
    const spec = stages.find((s) => s.name === name);
    if (spec === undefined)
      throw new Error(`unknown stage "${name}"; known: ${stages.map((s) => s.name).join(', ')}`);
    return spec;
  });
  const writers = (topic: TopicKey) => specs.filter((s) => s.produces.includes(topic));
  const plan: StageSpec[] = [];
  const available = new Set<TopicKey>(sources);
  const pending = [...specs];
  while (pending.length > 0) {
    const ready = pending.find(
      (s) =>
        s.requires.every(
          (t) => available.has(t) || writers(t).some((w) => w !== s && !pending.includes(w)),
        ) && s.consumes.every((t) => writers(t).every((w) => w === s || !pending.includes(w))),
    );
    if (ready === undefined) {
      const stuck = pending[0] as StageSpec;
      const missing = stuck.requires.filter((t) => !available.has(t));
      throw new Error(
        missing.length > 0 && missing.every((t) => writers(t).length === 0)
          ? `stage "${stuck.name}" needs ${missing.join(', ')}, which no source or requested stage fills`
          : `stages ${pending.map((s) => s.name).join(', ')} feed each other in a cycle`,
      );
    }
    plan.push(ready);
    pending.splice(pending.indexOf(ready), 1);
    for (const t of ready.produces) available.add(t);
  }
  return plan;
}

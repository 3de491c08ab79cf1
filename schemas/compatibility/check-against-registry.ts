import avro from 'avsc';
import { AVRO_SCHEMAS } from '../avro-schemas.ts';
import { createRegistryClient, valueSubject } from '../registry-client.ts';
import { LOGICAL_TYPES } from '../timestamp-millis.ts';
import { TOPICS, type TopicKey, type TopicNames } from '../topic-catalog.ts';
import {
  type CompatibilityLevel,
  checkCompatibility,
  type Incompatibility,
} from './find-incompatibilities.ts';

export interface SubjectCheck {
  readonly subject: string;
  readonly level: CompatibilityLevel;
  /** `new`: not registered yet; `unchanged`: same as the latest version; otherwise the verdict. */
  readonly status: 'new' | 'unchanged' | 'compatible' | 'incompatible';
  readonly problems: readonly Incompatibility[];
  /** The registry's own verdict, when it was asked (the subject exists and the schema changed). */
  readonly registrySays?: { readonly compatible: boolean; readonly messages: readonly string[] };
}

export interface CheckOptions {
  readonly registryUrl: string;
  readonly names: TopicNames;
  /** Local schemas to check; the `.avsc` files by default (tests pass edited ones). */
  readonly schemas?: Partial<Record<string, avro.Schema>>;
}

function isNotFound(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { status?: unknown }).status === 404;
}

/** Asks the registry (Confluent REST API) whether `schema` may be registered as the subject's next version. */
async function registryVerdict(
  registryUrl: string,
  subject: string,
  schema: avro.Schema,
): Promise<{ compatible: boolean; messages: string[] }> {
  const response = await fetch(
    `${registryUrl}/compatibility/subjects/${encodeURIComponent(subject)}/versions/latest?verbose=true`,
    {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
      body: JSON.stringify({ schema: JSON.stringify(schema) }),
    },
  );
  const body = (await response.json()) as { is_compatible?: boolean; messages?: string[]; message?: string };
  if (!response.ok)
    throw new Error(`registry answered ${response.status} for ${subject}: ${body.message ?? ''}`);
  return { compatible: body.is_compatible === true, messages: body.messages ?? [] };
}

/**
 * Compares the local `.avsc` files with what the registry holds, subject by subject, before a
 * deploy: which subjects are new, unchanged, compatible, or incompatible (naming the fields).
 */
export async function checkSchemasAgainstRegistry({
  registryUrl,
  names,
  schemas,
}: CheckOptions): Promise<SubjectCheck[]> {
  const registry = createRegistryClient(registryUrl);
  const checks: SubjectCheck[] = [];
  for (const key of Object.keys(TOPICS) as TopicKey[]) {
    const spec = TOPICS[key];
    const subject = valueSubject(names.topic(key));
    const level: CompatibilityLevel = spec.cleanupPolicy === 'compact' ? 'FULL' : 'BACKWARD';
    const local = schemas?.[spec.valueType] ?? AVRO_SCHEMAS[spec.valueType];
    const candidate = avro.Type.forSchema(local, { logicalTypes: LOGICAL_TYPES });
    let registered: avro.Type;
    try {
      registered = (await registry.getSchema(await registry.getLatestSchemaId(subject))) as avro.Type;
    } catch (error) {
      if (isNotFound(error)) {
        checks.push({ subject, level, status: 'new', problems: [] });
        continue;
      }
      throw error;
    }
    if (candidate.equals(registered)) {
      checks.push({ subject, level, status: 'unchanged', problems: [] });
      continue;
    }
    const problems = checkCompatibility(candidate, registered, level);
    const registrySays = await registryVerdict(registryUrl, subject, local);
    const compatible = problems.length === 0 && registrySays.compatible;
    checks.push({
      subject,
      level,
      status: compatible ? 'compatible' : 'incompatible',
      problems,
      registrySays,
    });
  }
  return checks;
}

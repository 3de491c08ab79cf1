import { type McpServer, ResourceNotFoundError, ResourceTemplate } from '@modelcontextprotocol/server';
import {
  type SchemaRegistryReader,
  TOPICS,
  type TopicKey,
  type TopicNames,
  valueSubject,
} from '../../../schemas/index.ts';

export const SCHEMA_URI_TEMPLATE = 'eaio://schemas/{subject}';

const schemaUri = (subject: string) => `eaio://schemas/${encodeURIComponent(subject)}`;

/** The most completions one request answers. */
const MAX_COMPLETIONS = 100;

/** The value subjects of this deployment's topics (topic-name strategy), in catalogue order. */
export function catalogueSubjects(names: Pick<TopicNames, 'topic'>): string[] {
  return (Object.keys(TOPICS) as TopicKey[]).map((key) => valueSubject(names.topic(key)));
}

/**
 * `eaio://schemas/{subject}`: the latest Avro schema registered under a subject, with its global id
 * (the one framing events on the wire) and version. Only this deployment's subjects, those of its
 * catalogue's topics, are listed, completed and read: a registry may serve several deployments.
 */
export function registerSchemaResource(
  server: McpServer,
  registry: SchemaRegistryReader,
  names: Pick<TopicNames, 'topic'>,
): void {
  const known = catalogueSubjects(names);
  const ours = (subject: string) => known.includes(subject);
  server.registerResource(
    'schema',
    new ResourceTemplate(SCHEMA_URI_TEMPLATE, {
      list: async () => ({
        resources: known.map((subject) => ({
          uri: schemaUri(subject),
          name: subject,
          mimeType: 'application/json',
        })),
      }),
      complete: {
        subject: async (prefix) => known.filter((s) => s.startsWith(prefix)).slice(0, MAX_COMPLETIONS),
      },
    }),
    {
      title: 'Avro schema of a subject',
      description:
        'The latest Avro schema registered under a subject (`<topic>-value`), with its registry id and version: the contract of the events on that topic.',
      mimeType: 'application/json',
    },
    async (uri, variables) => {
      const raw = variables.subject;
      const subject = decodeURIComponent(Array.isArray(raw) ? (raw[0] ?? '') : (raw ?? ''));
      const latest = ours(subject) ? await registry.latest(subject) : undefined;
      if (latest === undefined) {
        throw new ResourceNotFoundError(
          uri.href,
          `No subject '${subject}' is registered; list the eaio://schemas/{subject} resources to see the subjects.`,
        );
      }
      return {
        contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(latest, null, 2) }],
      };
    },
  );
}

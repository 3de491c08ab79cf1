import type { McpServer } from '@modelcontextprotocol/server';
import type { TopicNames } from '../../../schemas/index.ts';
import { describeTopology } from './describe-topology.ts';

export const TOPOLOGY_URI = 'eaio://topology';

/** `eaio://topology`: topics, processors and projections as JSON, from the catalogues in code. */
export function registerTopologyResource(server: McpServer, names: TopicNames): void {
  server.registerResource(
    'topology',
    TOPOLOGY_URI,
    {
      title: 'Pipeline topology',
      description:
        'The data path by design: every topic (value type, key, partitions, retention, compaction, dead-letter topic), every processor (the topics it reads and writes) and every projection (the topics it folds and its store). Lag and generations are not here: they change, this does not.',
      mimeType: 'application/json',
    },
    async (uri) => ({
      contents: [
        {
          uri: uri.href,
          mimeType: 'application/json',
          text: JSON.stringify(describeTopology(names), null, 2),
        },
      ],
    }),
  );
}

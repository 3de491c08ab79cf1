import { AssignerProtocol, type PartitionAssigner } from 'kafkajs';

/** Protocol name every member of a processor group announces. */
export const CO_PARTITIONED_ASSIGNER = 'EaioCoPartitioned';

/**
 * Assigns by partition number: partition number n of every subscribed topic goes to the same member
 * (members sorted by id, numbers dealt round-robin). Co-partitioned inputs (same partition count, same
 * key) then meet in one operator state and one transactional producer per number; kafkajs's default
 * round-robin over all topic-partitions would split `commands-3` and `outcomes-3` across members as
 * soon as the member count does not divide the partition count. With one topic it deals exactly as
 * round-robin does.
 */
export const coPartitionedAssigner: PartitionAssigner = ({ cluster }) => ({
  name: CO_PARTITIONED_ASSIGNER,
  version: 0,
  async assign({ members, topics }) {
    const memberIds = members.map((m) => m.memberId).sort();
    const assignment = new Map<string, Record<string, number[]>>(memberIds.map((id) => [id, {}]));
    for (const topic of topics) {
      const partitions = cluster
        .findTopicPartitionMetadata(topic)
        .map((m) => m.partitionId)
        .sort((a, b) => a - b);
      for (const partition of partitions) {
        const memberId = memberIds[partition % memberIds.length];
        const mine = memberId === undefined ? undefined : assignment.get(memberId);
        if (mine === undefined) continue;
        mine[topic] = [...(mine[topic] ?? []), partition];
      }
    }
    return [...assignment].map(([memberId, topicPartitions]) => ({
      memberId,
      memberAssignment: AssignerProtocol.MemberAssignment.encode({
        version: 0,
        assignment: topicPartitions,
        userData: Buffer.alloc(0),
      }),
    }));
  },
  protocol({ topics }) {
    return {
      name: CO_PARTITIONED_ASSIGNER,
      metadata: AssignerProtocol.MemberMetadata.encode({ version: 0, topics, userData: Buffer.alloc(0) }),
    };
  },
});

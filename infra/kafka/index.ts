export type {
  BatchedSender,
  BatchedSenderOptions,
  BatchLossReason,
} from './batched-sender.ts';
export { createBatchedSender } from './batched-sender.ts';
export type {
  ConsumerLagReader,
  ConsumerLagReaderOptions,
  PartitionLag,
  WatchedGroup,
} from './consumer-lag.ts';
export { createConsumerLagReader } from './consumer-lag.ts';
export type { KafkaClientOptions } from './create-kafka.ts';
export { createKafka } from './create-kafka.ts';
export type { ProducerOptions } from './create-producer.ts';
export { createProducer } from './create-producer.ts';
export type { GroupTimeouts } from './group-timeouts.ts';
export { groupTimeouts, transactionTimeout } from './group-timeouts.ts';
export type { KafkajsLogEntry, KafkajsLogLevel } from './kafkajs-log-level.ts';
export { kafkajsLogLevel } from './kafkajs-log-level.ts';
export type { TopicMessage } from './read-to-end.ts';
export { readTopicToEnd } from './read-to-end.ts';
export { waitForTopics } from './wait-for-topics.ts';

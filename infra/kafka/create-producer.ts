import type { Kafka, Producer, ProducerConfig } from 'kafkajs';

/** What a caller may choose about a producer: anything but the delivery guarantees. */
export type ProducerOptions = Omit<ProducerConfig, 'idempotent' | 'maxInFlightRequests'>;

/**
 * The one way the product makes a kafkajs producer: idempotent, one request in flight. Idempotence
 * makes kafkajs refuse any send that does not ask for acks from all in-sync replicas (acks=-1), so
 * every producer waits for `min.insync.replicas` copies, and a retried send is written once. A unit
 * test holds every `producer(` call in the product to this factory.
 */
export function createProducer(kafka: Kafka, options: ProducerOptions = {}): Producer {
  return kafka.producer({ ...options, idempotent: true, maxInFlightRequests: 1 });
}

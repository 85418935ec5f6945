import {Kafka, logLevel, type LogEntry} from 'kafkajs'

import {redact} from '../config/redact.js'
import {kafkaClientConfig, type KafkaSettings} from '../config/settings.js'

// kafkajs warns about its v2 partitioner change on every producer; we rely on the default one.
process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1'

export interface KafkaOptions {
  /** Print kafkajs' own log lines (on stderr); only with --debug. */
  debug?: boolean
  /** How long one connection attempt may take. */
  connectionTimeout?: number
  retries?: number
}

export function createKafka(settings: KafkaSettings, options: KafkaOptions = {}): Kafka {
  return new Kafka({
    ...kafkaClientConfig(settings),
    connectionTimeout: options.connectionTimeout ?? 5000,
    requestTimeout: 30_000,
    retry: {retries: options.retries ?? 8, initialRetryTime: 200, maxRetryTime: 5000},
    logLevel: options.debug ? logLevel.INFO : logLevel.NOTHING,
    logCreator: () => (entry: LogEntry) => {
      process.stderr.write(redact(`[kafkajs ${entry.namespace}] ${entry.log.message}\n`))
    },
  })
}

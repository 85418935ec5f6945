import {Flags} from '@oclif/core'

import {BaseCommand} from '../../lib/base-command.js'
import {configError} from '../../lib/errors.js'
import {servicesStatus, type ServiceStatus} from '../../lib/services/index.js'
import {renderStatusTable} from '../../lib/services/render.js'

export type {ServiceStatus}

export interface StatusResult {
  services: ServiceStatus[]
}

export default class ServicesStatus extends BaseCommand<typeof ServicesStatus> {
  static summary = 'Show where Kafka and Postgres are, who started them, and whether they answer.'
  static examples = [
    '<%= config.bin %> <%= command.id %>',
    {description: 'Fail (exit 3) unless both answer, for scripts', command: '<%= config.bin %> <%= command.id %> --check --json'},
  ]

  static flags = {
    check: Flags.boolean({summary: 'Exit non-zero when a service is unhealthy.', default: false}),
  }

  async run(): Promise<StatusResult> {
    const services = await servicesStatus({flags: {brokers: this.flags.brokers, 'database-url': this.flags['database-url']}})
    if (!this.jsonEnabled()) this.log(renderStatusTable(services))
    const unhealthy = services.filter((s) => !s.healthy)
    if (this.flags.check && unhealthy.length > 0) {
      throw configError(`${unhealthy.map((s) => s.service).join(' and ')} not healthy`, 'run `election services up`')
    }
    return {services}
  }
}

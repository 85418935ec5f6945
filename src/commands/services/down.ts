import {BaseCommand} from '../../lib/base-command.js'
import {servicesDown} from '../../lib/services/index.js'

export default class ServicesDown extends BaseCommand<typeof ServicesDown> {
  static summary = 'Stop the services that `election services up` started.'
  static description = `Only processes recorded by \`up\` are stopped; a cluster named by KAFKA_BROKERS or DATABASE_URL is never touched.
Data is kept for the next \`up\`.`
  static examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --json']

  async run(): Promise<{stopped: string[]}> {
    const result = await servicesDown({onStep: (m) => this.note(m)})
    this.note(result.stopped.length ? `Stopped: ${result.stopped.join(', ')}` : 'Nothing to stop.')
    return result
  }
}

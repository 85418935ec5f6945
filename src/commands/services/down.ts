import {Flags} from '@oclif/core'

import {BaseCommand} from '../../lib/base-command.js'
import {stateDir} from '../../lib/config/state.js'
import {confirmDestructive} from '../../lib/confirm.js'
import {servicesDown} from '../../lib/services/index.js'

export default class ServicesDown extends BaseCommand<typeof ServicesDown> {
  static summary = 'Stop the services that `election services up` started.'
  static description = `Only processes recorded by \`up\` are stopped; a cluster named by KAFKA_BROKERS or DATABASE_URL is never touched.
Data is kept for the next \`up\`, unless --purge: then, once both are stopped, everything the local services
stored for this state folder is deleted (Kafka's topics and logs, Postgres' cluster, also the one under
/var/lib/election/ that root's services keep outside the checkout, the generated passwords and certificates,
the recorded ports), so the next \`up\` starts afresh. Do it before deleting a checkout, or to switch between
one broker and three. Docker's volumes are kept. --json adds the deleted paths as "purged".`
  static examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --json',
    {description: 'Stop and delete all local data (asks first on a terminal)', command: '<%= config.bin %> <%= command.id %> --purge'},
    {description: 'The same in a script', command: '<%= config.bin %> <%= command.id %> --purge --force'},
  ]

  static flags = {
    purge: Flags.boolean({summary: "Also delete the local services' data once they are stopped.", default: false}),
    force: Flags.boolean({summary: 'Do not ask before --purge (needed without a terminal).', default: false, dependsOn: ['purge']}),
  }

  async run(): Promise<{stopped: string[]; purged?: string[]}> {
    if (this.flags.purge) {
      await confirmDestructive(
        `--purge deletes what the local services stored for ${stateDir()}: every topic, table and generated password`,
        this.flags.force,
      )
    }
    const result = await servicesDown({onStep: (m) => this.note(m), purge: this.flags.purge})
    this.note(result.stopped.length ? `Stopped: ${result.stopped.join(', ')}` : 'Nothing to stop.')
    if (result.purged) this.note(result.purged.length ? `Deleted ${result.purged.length} paths.` : 'Nothing was stored.')
    return result
  }
}

import type {Admin, Kafka} from 'kafkajs'

/** Whether a consumer group has members now: a process in it is running, joining or has not yet timed out. */
export async function groupHasMembers(admin: Admin, groupId: string): Promise<boolean> {
  const {groups} = await admin.describeGroups([groupId])
  const group = groups.find((g) => g.groupId === groupId)
  return group !== undefined && group.state !== 'Empty' && group.state !== 'Dead' && group.members.length > 0
}

/**
 * A reusable "is that group at work?" check on one admin client, connected on first use;
 * `close` disconnects it.
 */
export function groupWatcher(kafka: Kafka, groupId: string): {active: () => Promise<boolean>; close: () => Promise<void>} {
  let admin: Admin | undefined
  let connecting: Promise<void> | undefined
  return {
    active: async () => {
      if (!admin) {
        admin = kafka.admin()
        connecting = admin.connect()
      }
      try {
        await connecting
      } catch (error) {
        // Connect again at the next check.
        admin = undefined
        throw error
      }
      return groupHasMembers(admin, groupId)
    },
    close: async () => {
      await admin?.disconnect().catch(() => {})
    },
  }
}

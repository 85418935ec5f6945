/**
 * Ends the process once a command is done, even if a client library still holds a handle.
 *
 * kafkajs can open a connection after `disconnect()` has returned: a heartbeat or LeaveGroup
 * retry that was sleeping through the disconnect wakes up and reconnects (tulios/kafkajs#1147),
 * and its request then waits out the 30 s request timeout. Seen in CI after a broker restart:
 * `aggregate` had printed its summary and closed everything of its own, yet lived on past a
 * SIGTERM. By the time this runs every command has committed and closed what it owns, so
 * nothing is lost by not waiting for such a straggler.
 *
 * The timer is unref'd: a process with nothing left open exits at once, as before; only one
 * that lingers for `graceMs` is ended, with the exit code the command already set.
 */
export function exitWhenDone(graceMs: number, onLinger?: (resources: string[]) => void): void {
  setTimeout(() => {
    onLinger?.(process.getActiveResourcesInfo().filter((r) => r !== 'Timeout'))
    process.exit()
  }, graceMs).unref()
}

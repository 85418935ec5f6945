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
 *
 * A signal in that time (a supervisor stopping a command that is already ending) ends the
 * process at once with that same code: see holdSignalsWhileEnding().
 */
export function exitWhenDone(graceMs: number, onLinger?: (resources: string[]) => void): void {
  for (const signal of SIGNALS) {
    process.on(signal, exitWithCommandsCode)
    process.off(signal, recordEndingSignal) // after: see holdSignalsWhileEnding's caller
  }
  if (signalledWhileEnding) exitWithCommandsCode()
  setTimeout(() => {
    onLinger?.(process.getActiveResourcesInfo().filter((r) => r !== 'Timeout'))
    exitWithCommandsCode()
  }, graceMs).unref()
}

/**
 * Called once a command has finished its work and closed what it owns (BaseCommand.finally).
 * Without a listener, a SIGTERM from then on killed the process with 143, reported as a failed
 * stop, although the command had succeeded (seen in CI: `aggregate --exit-when-idle` was
 * exiting 0 when the test stopped it). The signal is only noted here, because the command's
 * --json result is still to be printed; exitWhenDone() then ends the process at once, as it
 * does when the command was `stopped` by a signal: it was asked to stop, and it has.
 */
export function holdSignalsWhileEnding(stopped: boolean): void {
  if (stopped) signalledWhileEnding = true
  for (const signal of SIGNALS) if (!process.listeners(signal).includes(recordEndingSignal)) process.on(signal, recordEndingSignal)
}

const SIGNALS = ['SIGINT', 'SIGTERM'] as const
let signalledWhileEnding = false
// A second one ends the process at once, should no exitWhenDone() follow (a command run in-process).
const recordEndingSignal = () => {
  if (signalledWhileEnding) exitWithCommandsCode()
  signalledWhileEnding = true
}
// process.exitCode is the command's: oclif's catch (ours) set it before finally ran.
const exitWithCommandsCode = () => process.exit()

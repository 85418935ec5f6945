// Imported first by bin/run.js and bin/dev.js. A signal that arrives while the CLI's modules load is
// kept for the command to act on (see BaseCommand.init), so `vote` or `aggregate` stopped at once
// still exits cleanly instead of dying half-started.
globalThis.electionEarlySignal = undefined
globalThis.electionEarlyHandler = (signal) => {
  globalThis.electionEarlySignal = signal
}
process.on('SIGINT', globalThis.electionEarlyHandler)
process.on('SIGTERM', globalThis.electionEarlyHandler)

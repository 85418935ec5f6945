/**
 * Where a pipeline stage's notices go. The command owns it and passes it in: progress is
 * quiet under --json, warnings (a retry, a failed publication) go to stderr; neither ever
 * reaches stdout, which holds the command's one JSON document.
 */
export interface Logger {
  /** Progress a user watching wants to see. */
  info(message: string): void
  /** Something failed and is being dealt with (retried, put off). */
  warn(message: string): void
}

/** For callers without a command: tests, the benchmark. */
export const silentLogger: Logger = {info: () => {}, warn: () => {}}

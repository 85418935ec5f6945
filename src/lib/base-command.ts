import {format} from 'node:util'

import {Command, Flags, Interfaces, ux} from '@oclif/core'

import {resolveSettings, type Settings} from './config/settings.js'
import {redact, redactJson} from './config/redact.js'
import {readState, stateDir} from './config/state.js'
import {describeCause, ElectionError} from './errors.js'
import {failureKind, sqlState} from './db/failures.js'
import {connectPool} from './db/pool.js'
import {assertSchema} from './db/schema.js'
import {assertTopics} from './kafka/admin.js'
import type {Logger} from './logger.js'
import {connectKafka} from './kafka/connect.js'
import {DEFAULT_STOP_TIMEOUT_MS, formatDuration} from './flags.js'
import {StopGrace} from './stop-grace.js'
import {holdSignalsWhileEnding} from './exit-when-done.js'
import {namesIn, namespace, type TopicNames} from './kafka/topics.js'
import type {Admin, Kafka} from 'kafkajs'
import type pg from 'pg'

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof BaseCommand)['baseFlags'] & T['flags']>

/**
 * Shared by every command: `--json`, connection flags with environment fallbacks,
 * `--debug`, and one-line errors with a meaningful exit code.
 */
export abstract class BaseCommand<T extends typeof Command> extends Command {
  static enableJsonFlag = true

  static baseFlags = {
    brokers: Flags.string({summary: 'Kafka bootstrap servers, comma separated.', env: 'KAFKA_BROKERS', helpGroup: 'CONNECTION'}),
    'database-url': Flags.string({summary: 'Postgres connection URL.', env: 'DATABASE_URL', helpGroup: 'CONNECTION'}),
    namespace: Flags.string({
      summary: 'Prefix of every topic and consumer group, to run several elections on one cluster (letters, digits, ".", "_", "-").',
      env: 'ELECTION_NAMESPACE',
      helpGroup: 'CONNECTION',
    }),
    debug: Flags.boolean({summary: 'Show stack traces and client logs.', helpGroup: 'GLOBAL', default: false}),
  }

  /** Long-running commands (vote, aggregate) stop cleanly on SIGINT/SIGTERM from their first moment. */
  static longRunning = false

  /**
   * The topics the command reads or writes: openKafka() fails at once with exit 3 and "run
   * election init-db" when one is missing, as openPool() does for tables. None by default:
   * init-db creates them, the dashboard shows whatever is there.
   */
  static topicsNeeded: (names: TopicNames) => string[] = () => []
  protected readonly stopSignal = new AbortController()
  /** The first signal stops cleanly; one more (or the stop outlasting --stop-timeout) ends the process. */
  private readonly onSignal = (signal: NodeJS.Signals) => {
    this.lastSignal = signal
    this.signalled = true
    if (this.stopSignal.signal.aborted) this.stopGrace().signal()
    else this.stopSignal.abort()
  }
  private lastSignal: NodeJS.Signals = 'SIGTERM'
  private signalled = false
  private grace?: StopGrace

  protected flags!: BaseFlags<T>
  private cachedSettings?: Settings

  public override async init(): Promise<void> {
    const early = globalThis as {electionEarlyHandler?: () => void; electionEarlySignal?: string}
    const longRunning = (this.ctor as typeof BaseCommand).longRunning
    if (longRunning) {
      this.stopSignal.signal.addEventListener('abort', () => this.stopGrace().begin(), {once: true})
      // Before the early handlers go: with no listener for a moment, Node drops a signal on its way.
      process.on('SIGINT', this.onSignal)
      process.on('SIGTERM', this.onSignal)
    }
    if (early.electionEarlyHandler) {
      process.off('SIGINT', early.electionEarlyHandler)
      process.off('SIGTERM', early.electionEarlyHandler)
    }
    if (longRunning) {
      // Set by supervisors such as the test suite: stop when the parent that started us is gone.
      if (process.env.ELECTION_EXIT_WITH_PARENT) {
        const parent = process.ppid
        setInterval(() => process.ppid !== parent && this.stopSignal.abort(), 1000).unref()
      }
      if (early.electionEarlySignal) this.stopSignal.abort()
    } else if (early.electionEarlySignal) {
      // Stopped before any work began: nothing to clean up.
      process.exit(early.electionEarlySignal === 'SIGINT' ? 130 : 143)
    }
    await super.init()
    const {flags} = await this.parse({
      flags: this.ctor.flags,
      baseFlags: (this.ctor as typeof BaseCommand).baseFlags,
      enableJsonFlag: this.ctor.enableJsonFlag,
      args: this.ctor.args,
      strict: this.ctor.strict,
    })
    this.flags = flags as BaseFlags<T>
  }

  /** Connection settings: flag, environment, then what `election services up` started. */
  protected async settings(): Promise<Settings> {
    if (!this.cachedSettings) {
      // The namespace is configuration too: a bad one is refused before anything connects.
      this.namespace()
      this.cachedSettings = resolveSettings(
        {brokers: this.flags.brokers, 'database-url': this.flags['database-url']},
        process.env,
        await readState(stateDir()),
      )
    }
    return this.cachedSettings
  }

  private cleanups: Array<() => Promise<unknown>> = []

  /** Runs at exit whatever happened, newest first (pools, clients, consumers). */
  protected onCleanup(cleanup: () => Promise<unknown>): void {
    this.cleanups.unshift(cleanup)
  }

  /** --namespace, or ELECTION_NAMESPACE: read here only. */
  protected namespace(): string {
    return namespace(this.flags.namespace)
  }

  protected topics(): TopicNames {
    return namesIn(this.namespace())
  }

  /**
   * A Postgres pool; unless `schema` is false, fails with "run election init-db" when tables are
   * missing, and with `columns`, when a table lacks a column added since it was created.
   */
  protected async openPool(options: {max?: number; schema?: boolean; columns?: boolean} = {}): Promise<pg.Pool> {
    const pool = await connectPool((await this.settings()).postgres, options.max)
    this.onCleanup(() => pool.end())
    if (options.schema !== false) await assertSchema(pool, {columns: options.columns})
    return pool
  }

  /** Kafka clients, once the topics the command needs (topicsNeeded) are known to exist. */
  protected async openKafka(): Promise<{kafka: Kafka; admin: Admin}> {
    const connection = await connectKafka((await this.settings()).kafka, {debug: this.flags.debug})
    this.onCleanup(() => connection.admin.disconnect())
    const needed = (this.ctor as typeof BaseCommand).topicsNeeded(this.topics())
    if (needed.length > 0) await assertTopics(connection.admin, needed)
    return connection
  }

  /** --stop-timeout of vote and aggregate; the default until the flags are parsed (a signal while starting). */
  private get stopTimeoutMs(): number {
    return (this.flags as {'stop-timeout'?: number} | undefined)?.['stop-timeout'] ?? DEFAULT_STOP_TIMEOUT_MS
  }

  /** Bounds the clean stop of a long-running command (see StopGrace). */
  private stopGrace(): StopGrace {
    this.grace ??= new StopGrace(this.stopTimeoutMs, {
      hint: () =>
        this.logger.warn(
          'Still stopping (finishing the work in flight; Kafka or Postgres may not be answering): signal again (Ctrl-C) to exit now.',
        ),
      force: (reason) => {
        const timeout = `--stop-timeout ${formatDuration(this.stopTimeoutMs)}`
        const report = errorReport(
          new ElectionError(
            reason === 'timeout'
              ? `stopped without a clean shutdown: Kafka or Postgres did not answer within ${timeout}`
              : `stopped at once on a second ${this.lastSignal}, without a clean shutdown`,
            'unavailable',
            ['nothing is lost: what was not committed is consumed again by the next run', 'check the services: election services status'],
          ),
        )
        this.printError(report)
        process.exit(reason === 'timeout' ? report.code : 128 + (this.lastSignal === 'SIGINT' ? 2 : 15))
      },
    })
    return this.grace
  }

  public override async finally(error: Error | undefined): Promise<unknown> {
    // The grace ends after the clean-ups: closing a pool or a client can hang on a paused
    // or vanished service too, and --stop-timeout bounds the whole stop.
    for (const cleanup of this.cleanups.splice(0)) await cleanup().catch(() => {})
    this.grace?.end()
    // In this order: with no listener for a moment, Node drops a signal that is on its way.
    holdSignalsWhileEnding(this.signalled)
    process.off('SIGINT', this.onSignal)
    process.off('SIGTERM', this.onSignal)
    return super.finally(error)
  }

  /** Progress and status lines: stderr, silent under --json so stdout stays one JSON document. */
  protected note(message: string): void {
    if (!this.jsonEnabled()) process.stderr.write(`${redact(message)}\n`)
  }

  /** The notices of the stages a command runs: progress as note(), warnings on stderr even under --json. */
  protected readonly logger: Logger = {
    info: (message) => this.note(message),
    warn: (message) => void process.stderr.write(`${redact(message)}\n`),
  }

  // Everything a command prints goes through the one redaction (config/redact.ts).
  public override log(message = '', ...args: unknown[]): void {
    super.log(redact(format(message, ...args)))
  }

  public override logToStderr(message = '', ...args: unknown[]): void {
    super.logToStderr(redact(format(message, ...args)))
  }

  public override logJson(json: unknown): void {
    super.logJson(redactJson(json))
  }

  /** One error as the user sees it: a JSON object under --json, else one line and its suggestions on stderr. */
  private printError({name, message, suggestions, code}: ReturnType<typeof errorReport>): void {
    if (this.jsonEnabled?.()) {
      this.logJson({error: {name, message, suggestions, exitCode: code}})
    } else {
      process.stderr.write(`Error: ${message}\n`)
      for (const s of suggestions) process.stderr.write(`  Try: ${s}\n`)
    }
  }

  protected override async catch(error: Error & {exitCode?: number; oclif?: {exit?: number}}): Promise<unknown> {
    // oclif's --help and --version end with exit 0 through here: not an error.
    if (error.oclif?.exit === 0) return
    const {name, message, suggestions, code} = errorReport(error)
    process.exitCode = code
    // A spinner still running (demo's "Bringing up services") holds stderr until it stops: the error would never show.
    if (ux.action.running) ux.action.stop('failed')
    this.printError({name, message, suggestions, code})
    if (this.flags?.debug || process.argv.includes('--debug')) process.stderr.write(`${redact(error.stack ?? '')}\n`)
    return undefined
  }
}

/** An error that Kafka (kafkajs), Postgres (a SQLSTATE) or the network (an errno) raised: an outside system's failure, not a bug. */
function outsideFailure(error: Error): boolean {
  return error.name.startsWith('KafkaJS') || sqlState(error) !== undefined || failureKind(error) === 'outage'
}

/**
 * What the user sees of a failure, and the exit code: our own errors as they are; oclif's parse
 * errors as usage errors (2); what Kafka, Postgres or the network raised unnamed as unavailable
 * (4); anything else is a bug (70), said as one, with --debug advice. One line, redacted.
 */
export function errorReport(error: Error & {oclif?: {exit?: number}}): {
  name: string
  message: string
  suggestions: string[]
  code: number
} {
  let report: {name: string; message: string; suggestions: string[]; code: number}
  if (error instanceof ElectionError) {
    report = {name: error.name, message: error.message, suggestions: error.suggestions, code: error.exitCode}
  } else if (error.oclif?.exit !== undefined) {
    // oclif's own parse errors (unknown flag, invalid value) are usage errors.
    report = {name: 'ElectionUsageError', message: error.message, suggestions: ['run the command with --help for usage'], code: 2}
  } else if (outsideFailure(error)) {
    report = {name: 'ElectionUnavailableError', message: describeCause(error), suggestions: [], code: 4}
  } else {
    report = {
      name: 'ElectionBugError',
      message: `unexpected error (a bug in election): ${describeCause(error)}`,
      suggestions: ['run the command again with --debug to see where it happened, and report it with that output'],
      code: 70,
    }
  }
  return {...report, message: redact(oneLine(report.message)), suggestions: report.suggestions.map((s) => redact(s))}
}

/** oclif puts the flag on the first line and the reason on the next ones (also around our own parse errors). */
function oneLine(message: string): string {
  return message
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !/^See more help/.test(line))
    .join(': ')
    .replace(/^Error: /, '')
    .replace(/^Parsing (--[\w-]+):*/, '$1:')
}

import cliProgress from 'cli-progress'

/** Steps on stderr: a live bar on a terminal, one line per step (and a detail line every 5 s) otherwise. */
export class Progress {
  private readonly bar?: cliProgress.SingleBar
  private readonly started = Date.now()
  private done = 0
  private lastDetail = 0
  private readonly warnings: string[] = []

  constructor(private readonly total: number) {
    if (process.stderr.isTTY) {
      this.bar = new cliProgress.SingleBar(
        {
          format: 'bench [{bar}] {value}/{total} {duration_formatted} | {step} {detail}',
          stream: process.stderr,
          barsize: 20,
          hideCursor: true,
        },
        cliProgress.Presets.shades_classic,
      )
      this.bar.start(total, 0, {step: 'starting', detail: ''})
    }
  }

  private stamp(): string {
    const s = Math.round((Date.now() - this.started) / 1000)
    return `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`
  }

  step(name: string): void {
    this.done = Math.min(this.total, this.done + 1)
    if (this.bar) this.bar.update(this.done - 1, {step: name, detail: ''})
    else process.stderr.write(`[${this.stamp()}] (${this.done}/${this.total}) ${name}\n`)
  }

  detail(text: string): void {
    if (this.bar) return this.bar.update({detail: text})
    if (Date.now() - this.lastDetail < 5000) return
    this.lastDetail = Date.now()
    process.stderr.write(`[${this.stamp()}]     ${text}\n`)
  }

  warn(text: string): void {
    if (this.bar) this.warnings.push(text)
    else process.stderr.write(`[${this.stamp()}] WARNING ${text}\n`)
  }

  stop(): void {
    if (this.bar) {
      this.bar.update(this.total, {step: 'done', detail: ''})
      this.bar.stop()
    }
    for (const w of this.warnings.splice(0)) process.stderr.write(`WARNING ${w}\n`)
  }
}

export const errorMessage = (error: unknown) => (error instanceof Error ? error.message : String(error))

/** Runs named steps: a failure is recorded in `errors` and warned about, and the run goes on. */
export function stepRunner(progress: Progress, errors: Array<{step: string; error: string}>) {
  return async function step<T>(name: string, work: () => Promise<T>): Promise<T | undefined> {
    progress.step(name)
    try {
      return await work()
    } catch (error) {
      errors.push({step: name, error: errorMessage(error)})
      progress.warn(`${name} failed: ${errorMessage(error)}`)
      return undefined
    }
  }
}

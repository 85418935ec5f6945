import chalk from 'chalk'

/**
 * chalk 5 ignores NO_COLOR (https://no-color.org); Ink colours through the same chalk
 * instance, so setting its level here turns off every colour the dashboard draws.
 */
export function applyNoColor(env: NodeJS.ProcessEnv = process.env): void {
  if (env.NO_COLOR) chalk.level = 0
}

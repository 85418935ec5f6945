/**
 * Walking a folder that a running service is changing. Kafka deletes a topic by renaming its
 * partition folders and removing them a little later, so a folder listed a moment ago may be gone
 * when the walk reaches it; `readdir(dir, {recursive: true})` then fails the whole walk with
 * ENOENT. These walks skip what vanished: it can no longer be open to others or hold a secret.
 */
import {readdir, readFile, stat} from 'node:fs/promises'
import path from 'node:path'

const vanished = (error: unknown) => (error as NodeJS.ErrnoException).code === 'ENOENT'

/** What `read` gives, or undefined when the path vanished meanwhile. */
async function unlessVanished<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read()
  } catch (error) {
    if (vanished(error)) return undefined
    throw error
  }
}

export interface Entry {
  path: string
  /** Permission bits, as `stat` gave them. */
  mode: number
  isFile: boolean
}

/**
 * Every file and folder below `dir` (not `dir` itself), depth first, symbolic links neither
 * followed nor listed. `onFolder` runs as each folder is entered; tests use it to change the
 * tree mid-walk.
 */
export async function entriesUnder(dir: string, onFolder: (folder: string) => Promise<void> = async () => {}): Promise<Entry[]> {
  await onFolder(dir)
  const names = (await unlessVanished(() => readdir(dir, {withFileTypes: true}))) ?? []
  const entries: Entry[] = []
  for (const dirent of names) {
    if (dirent.isSymbolicLink()) continue
    const full = path.join(dir, dirent.name)
    const stats = await unlessVanished(() => stat(full))
    if (!stats) continue
    entries.push({path: full, mode: stats.mode & 0o777, isFile: stats.isFile()})
    if (stats.isDirectory()) entries.push(...(await entriesUnder(full, onFolder)))
  }
  return entries
}

/** Every file below `dir` with its text; files that vanish before they are read are left out. */
export async function filesWithText(dir: string): Promise<Array<{file: string; text: string}>> {
  const files = (await entriesUnder(dir)).filter((e) => e.isFile).map((e) => e.path)
  const read = await Promise.all(files.map(async (file) => ({file, text: await unlessVanished(() => readFile(file, 'utf8'))})))
  return read.filter((f): f is {file: string; text: string} => f.text !== undefined)
}

import assert from 'node:assert/strict'
import {mkdir, mkdtemp, rm, symlink, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'

import {entriesUnder, filesWithText} from './files.js'

describe('walking a folder that changes meanwhile', () => {
  let dir: string
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'walk-'))
    for (const topic of ['a-0', 'b-0', 'c-0']) {
      await mkdir(path.join(dir, 'data', topic), {recursive: true})
      await writeFile(path.join(dir, 'data', topic, '00.log'), topic, {mode: 0o600})
    }
    await symlink('/etc', path.join(dir, 'link'))
  })
  afterEach(() => rm(dir, {recursive: true, force: true}))

  it('lists every file and folder with its mode, and skips symbolic links', async () => {
    const entries = await entriesUnder(dir)
    const relative = entries.map((e) => `${path.relative(dir, e.path)} ${e.isFile ? 'file' : 'folder'}`).sort()
    assert.deepEqual(relative, [
      'data folder',
      'data/a-0 folder',
      'data/a-0/00.log file',
      'data/b-0 folder',
      'data/b-0/00.log file',
      'data/c-0 folder',
      'data/c-0/00.log file',
    ])
    assert.equal(entries.find((e) => e.path.endsWith('00.log'))!.mode, 0o600)
  })

  it('skips folders deleted after their parent was listed, as Kafka deletes a topic (readdir recursive fails with ENOENT)', async () => {
    const data = path.join(dir, 'data')
    const topics = ['a-0', 'b-0', 'c-0'].map((t) => path.join(data, t))
    let first: string | undefined
    // On entering the first topic folder, its siblings (listed with it, not yet visited) are deleted.
    const entries = await entriesUnder(dir, async (folder) => {
      if (first || !topics.includes(folder)) return
      first = folder
      for (const other of topics) if (other !== folder) await rm(other, {recursive: true})
    })
    const files = entries.filter((e) => e.isFile).map((e) => e.path)
    assert.deepEqual(files, [path.join(first!, '00.log')])
  })

  it('reads every file that is still there', async () => {
    await rm(path.join(dir, 'data', 'c-0'), {recursive: true})
    const files = await filesWithText(dir)
    assert.deepEqual(files.map((f) => f.text).sort(), ['a-0', 'b-0'])
  })
})

import {execFile} from 'node:child_process'
import {existsSync} from 'node:fs'
import {chmod, chown, copyFile, rm} from 'node:fs/promises'
import path from 'node:path'
import {promisify} from 'node:util'

import {ensurePrivateDir, writePrivateFile} from '../config/state.js'
import {configError, unavailableError} from '../errors.js'
import type {Owner} from './postgres-home.js'

const run = promisify(execFile)

/** Certificates of `services up --secure`: a private CA and one server certificate signed by it, in <state>/tls. */
export interface TlsFiles {
  /** The CA certificate (PEM): what clients trust (KAFKA_SSL_CA_FILE, sslrootcert). */
  caFile: string
  /** The servers' certificate (PEM), for 127.0.0.1 and localhost. */
  certFile: string
  /** Its private key (PEM, PKCS#8, unencrypted, 0600). */
  keyFile: string
}

export const tlsDir = (stateDir: string) => path.join(stateDir, 'tls')

export const tlsFiles = (stateDir: string): TlsFiles => ({
  caFile: path.join(tlsDir(stateDir), 'ca.pem'),
  certFile: path.join(tlsDir(stateDir), 'server.pem'),
  keyFile: path.join(tlsDir(stateDir), 'server.key'),
})

// Local services only: two years, within the 825 days clients accept for a server certificate.
const DAYS = '825'

async function openssl(args: string[], cwd: string, env: Record<string, string> = {}): Promise<void> {
  try {
    // umask 077: every key openssl writes is its owner's only from the first byte.
    await run('sh', ['-c', 'umask 077 && exec openssl "$@"', 'openssl', ...args], {cwd, timeout: 60_000, env: {...process.env, ...env}})
  } catch (error) {
    if (
      (error as NodeJS.ErrnoException).code === 'ENOENT' ||
      /openssl: (not found|No such file)/.test(String((error as {stderr?: string}).stderr))
    ) {
      throw configError(
        '--secure needs the openssl command to make the local certificates, and it is not on PATH',
        'install openssl (for example `apt-get install openssl`), or run without --secure',
      )
    }
    const stderr = String((error as {stderr?: string}).stderr ?? error)
      .trim()
      .split('\n')[0]
    throw unavailableError(
      `openssl could not make the local certificates: ${stderr}`,
      error,
      `remove ${cwd} and run \`election services up --secure\` again`,
    )
  }
}

/**
 * A CA and a server certificate for 127.0.0.1/localhost, made once with openssl and kept: the
 * brokers' keystore and the clients' CA file must keep matching across restarts. The CA's key
 * stays beside them (0600) only to sign; nothing else reads it.
 */
export async function ensureCertificates(stateDir: string): Promise<TlsFiles> {
  const dir = tlsDir(stateDir)
  const files = tlsFiles(stateDir)
  await ensurePrivateDir(dir)
  if (existsSync(files.caFile) && existsSync(files.certFile) && existsSync(files.keyFile)) return files
  const caKey = path.join(dir, 'ca.key')
  await openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      caKey,
      '-out',
      files.caFile,
      '-days',
      DAYS,
      '-subj',
      '/CN=election local CA',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    dir,
  )
  const csr = path.join(dir, 'server.csr')
  const extensions = path.join(dir, 'server.ext')
  await writePrivateFile(
    extensions,
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n',
  )
  try {
    await openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', files.keyFile, '-out', csr, '-subj', '/CN=localhost'], dir)
    await openssl(
      [
        'x509',
        '-req',
        '-in',
        csr,
        '-CA',
        files.caFile,
        '-CAkey',
        caKey,
        '-CAcreateserial',
        '-out',
        files.certFile,
        '-days',
        DAYS,
        '-extfile',
        extensions,
      ],
      dir,
    )
  } finally {
    await rm(csr, {force: true})
    await rm(extensions, {force: true})
  }
  return files
}

/**
 * The broker's keystore: the key and certificate chain in a PKCS#12 file under a generated
 * password (the broker config, 0600, holds it). Made anew each start from the PEM files.
 */
export async function brokerKeystore(stateDir: string, password: string): Promise<string> {
  const files = tlsFiles(stateDir)
  const keystore = path.join(tlsDir(stateDir), 'broker.p12')
  await openssl(
    [
      'pkcs12',
      '-export',
      '-inkey',
      files.keyFile,
      '-in',
      files.certFile,
      '-certfile',
      files.caFile,
      '-name',
      'broker',
      '-passout',
      'env:ELECTION_KEYSTORE_PASSWORD',
      '-out',
      keystore,
    ],
    tlsDir(stateDir),
    {
      // Through the environment, not argv: other users can read a process's arguments.
      ELECTION_KEYSTORE_PASSWORD: password,
    },
  )
  return keystore
}

/**
 * Postgres reads its certificate and key from its own home (as root it runs as another user,
 * which cannot enter the state folder) and refuses a key others may read: copies, owned by it.
 */
export async function postgresCertificates(
  stateDir: string,
  home: string,
  owner: Owner | undefined,
): Promise<{certFile: string; keyFile: string}> {
  const files = tlsFiles(stateDir)
  const target = {certFile: path.join(home, 'server.crt'), keyFile: path.join(home, 'server.key')}
  for (const [from, to] of [
    [files.certFile, target.certFile],
    [files.keyFile, target.keyFile],
  ] as const) {
    await copyFile(from, to)
    await chmod(to, 0o600)
    if (owner) await chown(to, owner.uid, owner.gid)
  }
  return target
}

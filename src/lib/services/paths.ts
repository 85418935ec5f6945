import {fileURLToPath} from 'node:url'
import path from 'node:path'

/** The package root (holds kafka/pom.xml and docker-compose.yml), from src/ or dist/ alike. */
export const packageRoot = fileURLToPath(new URL('../../../', import.meta.url))
export const kafkaPom = path.join(packageRoot, 'kafka', 'pom.xml')
export const composeFile = path.join(packageRoot, 'docker-compose.yml')

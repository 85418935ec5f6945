/**
 * A small seeded PRNG (mulberry32). Faker builds the pools of names and places once;
 * per-voter choices come from this, which is ~20x faster than calling faker per field
 * and still deterministic: same seed and index, same voter.
 */
export class Rng {
  private state: number

  constructor(...seeds: number[]) {
    let h = 0x9e3779b9
    for (const s of seeds) h = Math.imul(h ^ (s >>> 0) ^ Math.floor(s / 2 ** 32), 0x85ebca6b) + 0x27d4eb2f
    this.state = h >>> 0
  }

  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0)
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }

  int(maxExclusive: number): number {
    return Math.floor(this.next() * maxExclusive)
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!
  }

  digits(count: number): string {
    let out = ''
    for (let i = 0; i < count; i++) out += String(this.int(10))
    return out
  }

  /** RFC 4122 version-4 layout, from this generator's bits. */
  uuid(): string {
    const hex = (n: number) =>
      Math.floor(this.next() * 16 ** n)
        .toString(16)
        .padStart(n, '0')
    const variant = (8 + this.int(4)).toString(16)
    return `${hex(8)}-${hex(4)}-4${hex(3)}-${variant}${hex(3)}-${hex(8)}${hex(4)}`
  }
}

/** A stable 32-bit hash of a string (FNV-1a), for seeding from ids. */
export function hashString(text: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

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

  /**
   * RFC 9562 version-7 layout: the 48-bit time field `millis`, the rest from this generator's bits.
   * Ids with increasing `millis` sort in that order, as text too.
   */
  timeOrderedUuid(millis: number): string {
    const time = millis.toString(16).padStart(12, '0')
    const variant = (8 + this.int(4)).toString(16)
    return `${time.slice(0, 8)}-${time.slice(8)}-7${this.hex(3)}-${variant}${this.hex(3)}-${this.hex(8)}${this.hex(4)}`
  }

  private hex(digits: number): string {
    return Math.floor(this.next() * 16 ** digits)
      .toString(16)
      .padStart(digits, '0')
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

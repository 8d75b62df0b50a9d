import { BadDataError } from './errors.ts';

const UNITS: ReadonlyArray<readonly [string, number]> = [
  ['y', 365 * 24 * 3600_000],
  ['w', 7 * 24 * 3600_000],
  ['d', 24 * 3600_000],
  ['h', 3600_000],
  ['m', 60_000],
  ['s', 1000],
  ['ms', 1],
];

const DURATION_RE = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;

/**
 * Parses a Prometheus duration string (`1h30m`, `90s`, `500ms`, `0`): integer amounts with units
 * from longest to shortest, each at most once. Returns milliseconds. Throws BadDataError.
 */
export function parseDurationMs(text: string): number {
  if (text === '0') return 0;
  const m = DURATION_RE.exec(text);
  if (text === '' || m === null) throw new BadDataError(`not a valid duration string: "${text}"`);
  let ms = 0;
  for (let i = 0; i < UNITS.length; i++) {
    const amount = m[i + 1];
    if (amount !== undefined) ms += Number(amount) * (UNITS[i] as readonly [string, number])[1];
  }
  if (!Number.isSafeInteger(ms)) throw new BadDataError(`duration "${text}" is too long`);
  return ms;
}

/**
 * Formats milliseconds the way Prometheus prints durations (`model.Duration.String()`): years and
 * weeks only when they divide the duration exactly (`30d`, `2w`, `1y`, not `4w2d`), then days down
 * to milliseconds (`1h30m`); zero is `0s`.
 */
export function formatDurationMs(ms: number): string {
  if (ms === 0) return '0s';
  let rest = Math.abs(Math.trunc(ms));
  let out = ms < 0 ? '-' : '';
  for (const [unit, size] of UNITS) {
    const exactOnly = unit === 'y' || unit === 'w';
    if (exactOnly && rest % size !== 0) continue;
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  return out;
}

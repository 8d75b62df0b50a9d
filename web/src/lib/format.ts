/** Formatting shared by the pages. Dates are shown in the browser's locale and time zone. */

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

export function formatDateTime(ms: number): string {
  return dateTime.format(new Date(ms));
}

/** "3 minutes ago", "in 5 days". */
export function formatRelative(ms: number, now = Date.now()): string {
  const seconds = Math.round((ms - now) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 45) return relative.format(0, 'second');
  if (abs < 2700) return relative.format(Math.round(seconds / 60), 'minute');
  if (abs < 64_800) return relative.format(Math.round(seconds / 3600), 'hour');
  if (abs < 2_592_000) return relative.format(Math.round(seconds / 86_400), 'day');
  if (abs < 31_536_000) return relative.format(Math.round(seconds / 2_592_000), 'month');
  return relative.format(Math.round(seconds / 31_536_000), 'year');
}

export function formatNumber(n: number, maximumFractionDigits = 2): string {
  if (!Number.isFinite(n)) return String(n);
  return n.toLocaleString(undefined, { maximumFractionDigits });
}

/** 1234567 → "1.23 M" (SI), for axes and cards. */
export function formatShort(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  const abs = Math.abs(n);
  const units: Array<[number, string]> = [
    [1e12, ' T'],
    [1e9, ' G'],
    [1e6, ' M'],
    [1e3, ' k'],
  ];
  for (const [size, suffix] of units) {
    if (abs >= size) return `${formatNumber(n / size, 2)}${suffix}`;
  }
  return formatNumber(n, abs < 1 ? 4 : 2);
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${formatNumber(v, i === 0 ? 0 : 1)} ${units[i] as string}`;
}

/** Seconds → Prometheus duration text (`90` → `1m30s`). */
export function formatDuration(seconds: number): string {
  if (seconds <= 0) return '0s';
  const parts: string[] = [];
  let rest = Math.round(seconds * 1000);
  const units: Array<[number, string]> = [
    [86_400_000, 'd'],
    [3_600_000, 'h'],
    [60_000, 'm'],
    [1000, 's'],
    [1, 'ms'],
  ];
  for (const [size, unit] of units) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.join('');
}

/** Parses `5m`, `1h30m`, `2d` (Prometheus durations) to seconds; null when not one. */
export function parseDuration(text: string): number | null {
  const m = /^(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text.trim());
  if (m === null || text.trim() === '') return null;
  const [w, d, h, min, s] = m.slice(1).map((x) => Number(x ?? 0)) as [number, number, number, number, number];
  const total = w * 604_800 + d * 86_400 + h * 3600 + min * 60 + s;
  return total > 0 ? total : null;
}

/** `{__name__="up", job="x"}` → `up{job="x"}`, as Prometheus prints series. */
export function formatSeries(labels: Readonly<Record<string, string>>): string {
  const name = labels['__name__'] ?? '';
  const rest = Object.keys(labels)
    .filter((k) => k !== '__name__')
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`);
  return rest.length === 0 && name !== '' ? name : `${name}{${rest.join(', ')}}`;
}

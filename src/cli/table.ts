/** Prints rows as left-aligned columns separated by two spaces; the first row is the header. */
export function printTable(rows: readonly (readonly string[])[]): void {
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length))) ?? [];
  for (const r of rows) {
    process.stdout.write(
      r
        .map((cell, c) => cell.padEnd(widths[c] ?? 0))
        .join('  ')
        .trimEnd() + '\n',
    );
  }
}

/** An ISO timestamp, or "-" for never. */
export function when(ms: number | null): string {
  return ms === null ? '-' : new Date(ms).toISOString();
}

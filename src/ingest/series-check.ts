import type { Labels } from '../model/index.ts';
import type { RejectReason } from '../storage/index.ts';
import type { Limits } from '../tenancy/index.ts';

/**
 * The label limits as a storage `checkNewSeries` hook. Storage calls it once per series it has not
 * seen, so series already stored are never re-checked — a tenant whose limits were lowered keeps
 * writing to the series it has. Lengths are UTF-8 bytes and `__name__` counts as a label, as in
 * Mimir. 0 disables a check.
 */
export function seriesChecker(limits: Limits): (labels: Labels) => RejectReason | null {
  const maxNames = limits.maxLabelNamesPerSeries;
  const maxName = limits.maxLabelNameLength;
  const maxValue = limits.maxLabelValueLength;
  return (labels) => {
    const n = labels.size;
    if (maxNames > 0 && n > maxNames) return 'max_label_names_per_series';
    for (let i = 0; i < n; i++) {
      if (maxName > 0 && utf8Length(labels.name(i)) > maxName) return 'label_name_too_long';
      if (maxValue > 0 && utf8Length(labels.value(i)) > maxValue) return 'label_value_too_long';
    }
    return null;
  };
}

/** UTF-8 byte length without encoding (a string's UTF-8 length is at most 3 × its UTF-16 length). */
export function utf8Length(s: string): number {
  let bytes = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) bytes += 1;
    else if (c >= 0xd800 && c <= 0xdbff) {
      bytes += 2; // a surrogate pair: 2 code units, 4 bytes
      i++;
    } else bytes += 2;
  }
  return bytes;
}

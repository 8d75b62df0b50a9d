/**
 * How OTel metric and attribute names become Prometheus names (Prometheus `otlp.translation_strategy`):
 * - `UnderscoreEscapingWithSuffixes`: escape to the legacy charset, add unit and type suffixes;
 * - `UnderscoreEscapingWithoutSuffixes`: escape, no suffixes;
 * - `NoUTF8EscapingWithSuffixes`: keep UTF-8 names, add suffixes;
 * - `NoTranslation`: names verbatim.
 */
export type TranslationStrategy =
  | 'UnderscoreEscapingWithSuffixes'
  | 'UnderscoreEscapingWithoutSuffixes'
  | 'NoUTF8EscapingWithSuffixes'
  | 'NoTranslation';

/**
 * Per-tenant settings of the OTLP → Prometheus translation. Every field has a default in
 * `DEFAULT_OTLP_TRANSLATION`; tenants override some of them (the `otlp_*` keys of the limits
 * engine, see http/otlp-options.ts), and the result is passed to the translator as a plain value.
 */
export interface OtlpTranslationOptions {
  readonly translationStrategy: TranslationStrategy;
  /** Resource attributes added as labels to every series of that resource (never overwriting). */
  readonly promoteResourceAttributes: readonly string[];
  /**
   * Add `otel_scope_name`, `otel_scope_version`, `otel_scope_schema_url` and `otel_scope_<attr>`
   * labels. On by default, as the OTel Prometheus compatibility spec requires; Prometheus and Mimir
   * default this off (`promote_scope_metadata`). Turn it off for Prometheus-identical series.
   */
  readonly promoteScopeMetadata: boolean;
  /** Emit one `target_info` series per resource that has non-identifying attributes. */
  readonly targetInfo: boolean;
  /** Keep `service.name`, `service.namespace`, `service.instance.id` on `target_info` too. */
  readonly keepIdentifyingResourceAttributes: boolean;
  /** Label name escaping: replace each bad character by `_` (true) or collapse runs (false). */
  readonly labelNamePreserveMultipleUnderscores: boolean;
  /** Prefix `key` to label names that start with a single `_` (`_foo` → `key_foo`). */
  readonly labelNameUnderscoreSanitization: boolean;
  /**
   * Exponential histograms: `native` (default) emits native histograms (schema = scale, capped at
   * 8), as Prometheus and Mimir do; `classic` converts them to `_bucket{le}`/`_sum`/`_count` series
   * for tenants whose dashboards expect classic buckets.
   */
  readonly exponentialHistograms: 'classic' | 'native';
  /**
   * For `classic`: the exponential histogram is first downscaled to at most this scale, so its
   * `le` bounds are powers of 2^(2^-scale) that stay the same when the SDK changes its scale
   * (0 = powers of two). Range -4..8.
   */
  readonly exponentialClassicMaxScale: number;
  /**
   * Delta temporality sums and histograms are accumulated into cumulative series in memory
   * (see delta.ts). When false, delta points are rejected (partial success), as Prometheus does.
   */
  readonly deltaToCumulative: boolean;
}

export const DEFAULT_OTLP_TRANSLATION: OtlpTranslationOptions = Object.freeze({
  translationStrategy: 'UnderscoreEscapingWithSuffixes',
  promoteResourceAttributes: Object.freeze([]) as readonly string[],
  promoteScopeMetadata: true,
  targetInfo: true,
  keepIdentifyingResourceAttributes: false,
  labelNamePreserveMultipleUnderscores: true,
  labelNameUnderscoreSanitization: true,
  exponentialHistograms: 'native',
  exponentialClassicMaxScale: 0,
  deltaToCumulative: true,
});

/** Defaults with `overrides` applied (a tenant's settings). */
export function otlpTranslationOptions(
  overrides: Partial<OtlpTranslationOptions> = {},
): OtlpTranslationOptions {
  const merged = { ...DEFAULT_OTLP_TRANSLATION, ...overrides };
  if (
    !Number.isInteger(merged.exponentialClassicMaxScale) ||
    merged.exponentialClassicMaxScale < -4 ||
    merged.exponentialClassicMaxScale > 8
  ) {
    throw new RangeError(
      `exponentialClassicMaxScale must be an integer in -4..8, got ${merged.exponentialClassicMaxScale}`,
    );
  }
  return Object.freeze(merged);
}

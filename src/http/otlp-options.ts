import { otlpTranslationOptions, type OtlpTranslationOptions } from '../protocol/index.ts';
import type { Limits } from '../tenancy/index.ts';
import type { OtlpOptionsProvider } from './otlp-receiver.ts';

/** The translator options a tenant's `otlp_*` settings stand for. */
export function otlpOptionsOf(limits: Limits): OtlpTranslationOptions {
  return otlpTranslationOptions({
    translationStrategy: limits.otlpTranslationStrategy,
    promoteResourceAttributes: limits.otlpPromoteResourceAttributes,
    promoteScopeMetadata: limits.otlpPromoteScopeMetadata,
    keepIdentifyingResourceAttributes: limits.otlpKeepIdentifyingResourceAttributes,
    exponentialHistograms: limits.otlpExponentialHistograms,
  });
}

/**
 * The OTLP receiver's per-tenant options from the limits engine (`xscaler limits set <tenant>
 * otlp_…=…`, the limits config file). The limits engine hands out the same frozen object until a
 * reload changes something, so the options are built once per change and the receiver keeps its
 * translator (it rebuilds one only when the options object changes).
 */
export function otlpOptionsFromLimits(limitsOf: (tenant: string) => Limits): OtlpOptionsProvider {
  const cache = new WeakMap<Limits, OtlpTranslationOptions>();
  return (tenant) => {
    const limits = limitsOf(tenant);
    let options = cache.get(limits);
    if (options === undefined) cache.set(limits, (options = otlpOptionsOf(limits)));
    return options;
  };
}

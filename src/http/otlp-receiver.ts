import { PartialWriteError, type Ingester } from '../ingest/index.ts';
import { SampleBatch } from '../model/index.ts';
import {
  DEFAULT_OTLP_TRANSLATION,
  DeltaAccumulator,
  OtlpTranslator,
  partialSuccessMessage,
  translateOtlpRequest,
  type OtlpEncoding,
  type OtlpTranslationOptions,
} from '../protocol/index.ts';

/** What an OTLP export answers when it is not an error: a (partial) success. */
export interface OtlpExportOutcome {
  /** Data points dropped by translation plus samples refused by storage (0 = full success). */
  readonly rejected: number;
  /** Why, for `partial_success.error_message`; a warning when `rejected` is 0; "" on full success. */
  readonly message: string;
}

/** Per-tenant translation settings (`otlpOptionsFromLimits` reads them from the limits engine). */
export type OtlpOptionsProvider = (tenant: string) => OtlpTranslationOptions;

/**
 * The OTLP export use case shared by the HTTP and gRPC edges: decompressed request bytes for a
 * tenant → translation with the tenant's options and delta state → ingest. Throws BadDataError when
 * the body cannot be decoded at all, and lets ingest's errors (rate limits, UnavailableError)
 * through; points that are only invalid, and samples storage refused, become a partial success.
 *
 * One batch serves every request: translation and the synchronous part of the append run without
 * an await between them, so two requests never share it at the same time.
 */
export class OtlpReceiver {
  private readonly ingester: Ingester;
  private readonly optionsOf: OtlpOptionsProvider;
  private readonly batch = new SampleBatch();
  private readonly translators = new Map<string, { options: OtlpTranslationOptions; t: OtlpTranslator }>();
  private readonly deltas = new Map<string, DeltaAccumulator>();

  constructor(ingester: Ingester, optionsOf: OtlpOptionsProvider = () => DEFAULT_OTLP_TRANSLATION) {
    this.ingester = ingester;
    this.optionsOf = optionsOf;
  }

  async export(tenant: string, body: Uint8Array, encoding: OtlpEncoding): Promise<OtlpExportOutcome> {
    const writer = await this.ingester.writer(tenant);
    // From here to writer.push() there must be no await: the batch is shared.
    const result = translateOtlpRequest(body, encoding, this.translator(tenant), this.batch);
    let refused = 0;
    let storageMessage = '';
    const batch = this.batch;
    if (batch.sampleCount > 0 || batch.histograms.length > 0 || batch.metadata.length > 0) {
      try {
        await writer.push(batch);
      } catch (err) {
        if (!(err instanceof PartialWriteError)) throw err;
        for (const n of err.result.rejected.values()) refused += n;
        storageMessage = err.message;
      }
    }
    const parts: string[] = [];
    const translation = partialSuccessMessage(result.rejectedPoints, result.errors, result.warnings);
    if (translation !== '') parts.push(translation);
    if (storageMessage !== '') parts.push(`storage: ${storageMessage}`);
    return { rejected: result.rejectedPoints + refused, message: parts.join(' | ') };
  }

  private translator(tenant: string): OtlpTranslator {
    const options = this.optionsOf(tenant);
    const cached = this.translators.get(tenant);
    if (cached !== undefined && cached.options === options) return cached.t;
    let delta = this.deltas.get(tenant);
    if (delta === undefined) this.deltas.set(tenant, (delta = new DeltaAccumulator()));
    const t = new OtlpTranslator(options, delta);
    this.translators.set(tenant, { options, t });
    return t;
  }
}

import { BadDataError, UnsupportedMediaError } from '../../model/index.ts';
import { readBody, type RequestContext } from '../context.ts';

const MAX_JSON_BYTES = 64 * 1024;

/** A JSON object body (`Content-Type: application/json`), as a reader of typed fields. */
export class JsonBody {
  private readonly value: Readonly<Record<string, unknown>>;

  constructor(value: Readonly<Record<string, unknown>>) {
    this.value = value;
  }

  static async of(ctx: RequestContext): Promise<JsonBody> {
    const type = (ctx.req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/json') {
      ctx.req.resume();
      throw new UnsupportedMediaError('expected a JSON body (Content-Type: application/json)');
    }
    const text = (await readBody(ctx.req, MAX_JSON_BYTES)).toString('utf8');
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new BadDataError('the body is not valid JSON');
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new BadDataError('expected a JSON object');
    }
    return new JsonBody(parsed as Record<string, unknown>);
  }

  string(name: string): string {
    const v = this.value[name];
    if (typeof v !== 'string') throw new BadDataError(`"${name}" is required and must be a string`);
    return v;
  }

  optionalString(name: string): string | undefined {
    const v = this.value[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') throw new BadDataError(`"${name}" must be a string`);
    return v;
  }

  optionalNumber(name: string): number | undefined {
    const v = this.value[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new BadDataError(`"${name}" must be a number`);
    return v;
  }

  optionalObject(name: string): Readonly<Record<string, unknown>> | undefined {
    const v = this.value[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'object' || Array.isArray(v)) throw new BadDataError(`"${name}" must be an object`);
    return v as Record<string, unknown>;
  }
}

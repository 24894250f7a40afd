// Checks bodies against the OpenAPI document (JSON Schema 2020-12, as OpenAPI 3.1 uses):
// every response a test receives, and every example the document carries.
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { openApiDocument } from '../openapi.js';

type Doc = ReturnType<typeof openApiDocument>;
type Schema = Record<string, unknown>;

const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
const compiled = new Map<string, ValidateFunction>();

function validator(key: string, schema: Schema, doc: Doc): ValidateFunction {
  let v = compiled.get(key);
  if (!v) {
    v = ajv.compile({ ...schema, components: doc.components });
    compiled.set(key, v);
  }
  return v;
}

/** The response schema for a request as the document states it; throws when the document has no such response. */
export function responseSchema(method: string, path: string, status: number, contentType: string): Schema | null {
  const doc = openApiDocument();
  const entry = Object.entries(doc.paths ?? {}).find(([p]) => new RegExp(`^${p.replace(/\{\w+\}/g, '[^/]+')}$`).test(path));
  if (!entry) throw new Error(`the OpenAPI document has no path matching ${path}`);
  const op = (entry[1] as Record<string, { responses?: Record<string, { content?: Record<string, { schema?: Schema }> }> }>)[method.toLowerCase()];
  if (!op) throw new Error(`the OpenAPI document has no ${method} on ${entry[0]}`);
  const res = op.responses?.[String(status)];
  if (!res) throw new Error(`the OpenAPI document lists no ${status} response for ${method} ${entry[0]}`);
  if (!res.content) return null;
  const ct = contentType.split(';')[0].trim();
  const media = res.content[ct];
  if (!media) throw new Error(`the ${status} response of ${method} ${entry[0]} is documented as ${Object.keys(res.content).join(', ')}, not ${ct}`);
  return media.schema ?? null;
}

/** Errors (empty when valid) of a received body against the documented response. */
export function checkResponse(method: string, path: string, status: number, contentType: string, body: unknown): string[] {
  const schema = responseSchema(method, path, status, contentType);
  if (!schema) return [];
  const v = validator(JSON.stringify(schema), schema, openApiDocument());
  return v(body) ? [] : (v.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
}

/** Every `example` in the document's component schemas, checked against its own schema. */
export function checkExamples(): { name: string; errors: string[] }[] {
  const doc = openApiDocument();
  return Object.entries((doc.components?.schemas ?? {}) as Record<string, Schema>)
    .filter(([, s]) => s.example !== undefined)
    .map(([name, s]) => {
      const v = validator(`component:${name}`, { $ref: `#/components/schemas/${name}` }, doc);
      return { name, errors: v(s.example) ? [] : (v.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`) };
    });
}

/** fetch, then check the response against the document; returns status, headers and the parsed body. */
export async function call(base: string, method: string, path: string, init: RequestInit = {}): Promise<{ status: number; headers: Headers; body: unknown; text: string }> {
  const res = await fetch(base + path, { ...init, method });
  const text = await res.text();
  const ct = res.headers.get('content-type') ?? '';
  let body: unknown = text;
  if (/json/.test(ct)) body = JSON.parse(text) as unknown;
  const errors = checkResponse(method, path.split('?')[0], res.status, ct || 'application/json', body);
  if (errors.length) throw new Error(`${method} ${path} → ${res.status} does not match the OpenAPI document: ${errors.join('; ')}\n${text.slice(0, 500)}`);
  return { status: res.status, headers: res.headers, body, text };
}

export const jsonInit = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  headers: { 'content-type': 'application/json', ...headers },
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

/** Reads a server-sent event stream to its end. */
export async function readEvents(url: string): Promise<{ event: string; data: unknown }[]> {
  const res = await fetch(url);
  if (res.status !== 200 || !/^text\/event-stream/.test(res.headers.get('content-type') ?? '')) throw new Error(`${url}: ${res.status} ${res.headers.get('content-type')}`);
  const text = await res.text();
  return text
    .split('\n\n')
    .filter((b) => b.trim() && !b.startsWith(':'))
    .map((block) => {
      const lines = block.split('\n');
      const event = lines.find((l) => l.startsWith('event: '))?.slice(7) ?? 'message';
      const data = lines.filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
      return { event, data: JSON.parse(data) as unknown };
    });
}

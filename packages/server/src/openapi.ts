// The route table: every endpoint once, with the zod schemas of its parameters, body and
// responses. The Express app registers its handlers against these entries (and validates with
// the same schemas); the OpenAPI 3.1 document is generated from them. Node-free.
import { z } from 'zod';
import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiPathsObject } from 'zod-openapi';
import {
  AttackRequest, AttackResponse, DatasetList, HealthResponse, JobId, JobResponse, LIMITS, ModelDetail, ModelId, ModelList, PredictRequest, PredictResponse,
  ProblemSchema, ReadyResponse, RobustnessRequest, RuleList, TrainRequest, UploadResponse,
} from './schemas.js';

export interface ResponseDef {
  description: string;
  schema?: z.ZodType;
  contentType?: string;
}

export interface RouteDef {
  method: 'get' | 'post' | 'delete';
  /** OpenAPI form (`/v1/models/{id}`); Express gets `/v1/models/:id`. */
  path: string;
  summary: string;
  description?: string;
  tag: string;
  params?: z.ZodObject<Record<string, z.ZodType>>;
  body?: { schema: z.ZodType; contentType: string; alternatives?: Record<string, { schema: z.ZodType; description: string }> };
  responses: Record<number, ResponseDef>;
  /** Changes state: needs the API key when PLASTICITY_API_KEY is set. */
  write?: boolean;
}

const problem = (description: string): ResponseDef => ({ description, schema: ProblemSchema, contentType: 'application/problem+json' });
const json = (description: string, schema: z.ZodType): ResponseDef => ({ description, schema, contentType: 'application/json' });

const COMMON = { 429: problem('Rate limit exceeded (see the RateLimit headers)'), 500: problem('Internal error (no details are exposed)') };
const WRITE = { 401: problem('PLASTICITY_API_KEY is set and the request has no valid `Authorization: Bearer <key>` (or `X-API-Key`)') };
const modelParams = z.object({ id: ModelId });
const jobParams = z.object({ id: JobId });

export const ROUTES = {
  health: {
    method: 'get', path: '/health', tag: 'service', summary: 'Liveness: the process answers',
    responses: { 200: json('Alive', HealthResponse) },
  },
  ready: {
    method: 'get', path: '/ready', tag: 'service', summary: 'Readiness: the model store is writable and the job queue reachable',
    responses: { 200: json('Ready', ReadyResponse), 503: json('Not ready; `checks` says what failed', ReadyResponse) },
  },
  rules: {
    method: 'get', path: '/v1/rules', tag: 'catalogue', summary: 'The learning rules, with their typed options and defaults',
    responses: { 200: json('Rules', RuleList), ...COMMON },
  },
  datasets: {
    method: 'get', path: '/v1/datasets', tag: 'catalogue', summary: 'The data sets and whether requests may name them',
    responses: { 200: json('Data sets', DatasetList), ...COMMON },
  },
  uploadModel: {
    method: 'post', path: '/v1/models', tag: 'models', write: true,
    summary: 'Upload a model (multipart fields `model` = model.json, `weights` = weights.bin)',
    description: 'The files are validated exactly as `plasticity` validates them on load (format, version, shapes, byte length, checksum, finite weights). The id is the content hash, so uploading the same model again is idempotent (200).',
    body: {
      contentType: 'multipart/form-data',
      schema: z.object({
        model: z.string().meta({ format: 'binary', description: 'model.json as written by `plasticity train`' }),
        weights: z.string().meta({ format: 'binary', description: 'weights.bin (little-endian float32)' }),
      }).meta({ id: 'ModelUpload' }),
    },
    responses: {
      201: json('Stored (new)', UploadResponse), 200: json('Already stored (same content hash)', UploadResponse),
      400: problem('A field is missing or the files are not a valid model'), 413: problem('A file is larger than the upload limit'),
      415: problem('Not multipart/form-data'), ...WRITE, ...COMMON,
    },
  },
  listModels: {
    method: 'get', path: '/v1/models', tag: 'models', summary: 'The stored models',
    responses: { 200: json('Models', ModelList), ...COMMON },
  },
  getModel: {
    method: 'get', path: '/v1/models/{id}', tag: 'models', summary: 'One stored model with its model.json', params: modelParams,
    responses: { 200: json('The model', ModelDetail), 400: problem('Not a model id'), 404: problem('No such model'), ...COMMON },
  },
  deleteModel: {
    method: 'delete', path: '/v1/models/{id}', tag: 'models', summary: 'Remove a stored model', params: modelParams, write: true,
    responses: { 204: { description: 'Removed' }, 400: problem('Not a model id'), 404: problem('No such model'), ...WRITE, ...COMMON },
  },
  predict: {
    method: 'post', path: '/v1/models/{id}/predict', tag: 'inference', params: modelParams,
    summary: 'Class predictions and probabilities for a batch of feature vectors',
    description: `At most ${LIMITS.predictRows} rows. Besides JSON, the body may be raw little-endian float32 rows (\`application/octet-stream\`, n × inputSize × 4 bytes): the fast path for large batches, since parsing JSON number arrays dominates the cost.`,
    body: {
      contentType: 'application/json', schema: PredictRequest,
      alternatives: { 'application/octet-stream': { schema: z.string().meta({ format: 'binary' }), description: 'rows of little-endian float32' } },
    },
    responses: {
      200: json('Predictions', PredictResponse), 400: problem('Bad shape, non-finite or out-of-range input (the pointer names it)'), 404: problem('No such model'),
      413: problem('Body larger than the limit'), 415: problem('Not JSON or octet-stream'), ...COMMON,
    },
  },
  attack: {
    method: 'post', path: '/v1/models/{id}/attack', tag: 'inference', params: modelParams,
    summary: 'Run one attack (FGSM, PGD, noise, Square) on given inputs and labels',
    description: `At most ${LIMITS.attackRows} rows. Returns the adversarial inputs, their predictions and perturbation norms. The gradient comes from exact backprop ('true'), the rule's own feedback path ('rule'), or another stored model ('transfer' with \`surrogate\`).`,
    body: { contentType: 'application/json', schema: AttackRequest },
    responses: {
      200: json('The attack result', AttackResponse), 400: problem('Bad input or attack options'), 404: problem('No such model (or surrogate)'),
      413: problem('Body larger than the limit'), 415: problem('Not JSON'), ...COMMON,
    },
  },
  robustness: {
    method: 'post', path: '/v1/models/{id}/robustness', tag: 'jobs', params: modelParams, write: true,
    summary: 'Start a robustness report (robust accuracy per attack and ε on a data set split): a job',
    body: { contentType: 'application/json', schema: RobustnessRequest },
    responses: { 202: json('Queued; follow `links.self` or `links.events`', JobResponse), 400: problem('Bad request'), 404: problem('No such model'), 415: problem('Not JSON'), ...WRITE, ...COMMON },
  },
  train: {
    method: 'post', path: '/v1/train', tag: 'jobs', write: true,
    summary: 'Start training a rule on a data set: a job whose result names the stored model',
    body: { contentType: 'application/json', schema: TrainRequest },
    responses: { 202: json('Queued', JobResponse), 400: problem('Bad request'), 415: problem('Not JSON'), ...WRITE, ...COMMON },
  },
  getJob: {
    method: 'get', path: '/v1/jobs/{id}', tag: 'jobs', params: jobParams, summary: 'A job: state, progress, result',
    responses: { 200: json('The job', JobResponse), 400: problem('Not a job id'), 404: problem('No such job'), ...COMMON },
  },
  jobEvents: {
    method: 'get', path: '/v1/jobs/{id}/events', tag: 'jobs', params: jobParams,
    summary: 'Server-sent events: `state` (the job record), then `progress` events as the CLI renders them, and `end`',
    responses: {
      200: { description: 'An event stream', schema: z.string(), contentType: 'text/event-stream' },
      400: problem('Not a job id'), 404: problem('No such job'), ...COMMON,
    },
  },
  cancelJob: {
    method: 'delete', path: '/v1/jobs/{id}', tag: 'jobs', params: jobParams, write: true, summary: 'Cancel a queued or running job',
    responses: { 200: json('The job after the cancel', JobResponse), 400: problem('Not a job id'), 404: problem('No such job'), ...WRITE, ...COMMON },
  },
} satisfies Record<string, RouteDef>;

export type RouteName = keyof typeof ROUTES;

export function expressPath(path: string): string {
  return path.replace(/\{(\w+)\}/g, ':$1');
}

let cached: ReturnType<typeof createDocument> | null = null;

/** The OpenAPI 3.1 document of ROUTES. */
export function openApiDocument(): ReturnType<typeof createDocument> {
  if (cached) return cached;
  const paths: ZodOpenApiPathsObject = {};
  for (const [operationId, r] of Object.entries(ROUTES) as [string, RouteDef][]) {
    const op: ZodOpenApiOperationObject = {
      operationId,
      summary: r.summary,
      ...(r.description ? { description: r.description } : {}),
      tags: [r.tag],
      ...(r.params ? { requestParams: { path: r.params } } : {}),
      ...(r.write ? { security: [{ bearer: [] }, { apiKey: [] }, {}] } : {}),
      ...(r.body
        ? {
            requestBody: {
              required: true,
              content: {
                [r.body.contentType]: { schema: r.body.schema },
                ...Object.fromEntries(Object.entries(r.body.alternatives ?? {}).map(([ct, a]) => [ct, { schema: a.schema }])),
              },
            },
          }
        : {}),
      responses: Object.fromEntries(
        Object.entries(r.responses).map(([status, res]) => [
          status,
          res.schema ? { description: res.description, content: { [res.contentType ?? 'application/json']: { schema: res.schema } } } : { description: res.description },
        ]),
      ),
    };
    paths[r.path] = { ...(paths[r.path] ?? {}), [r.method]: op };
  }
  cached = createDocument({
    openapi: '3.1.0',
    info: {
      title: 'Plasticity API',
      version: '1',
      description: 'Predictions, adversarial attacks, robustness reports and training jobs for models trained with biologically plausible learning rules. Errors are RFC 9457 problem documents.',
    },
    servers: [{ url: '/' }],
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'PLASTICITY_API_KEY, when the server sets one' },
        apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
      },
    },
    paths,
  });
  return cached;
}

// RFC 9457 problem details: every error the API answers is `application/problem+json` with a
// type, a title, the status, a human detail and, for bad input, `errors` entries whose
// `pointer` (a JSON Pointer into the request, RFC 6901 as a URI fragment) names the field
// at fault. No stack traces, ever. Node-free: the edge handler answers the same documents.
import type { z } from 'zod';

export const PROBLEM_TYPE_BASE = 'https://plasticity.dev/problems/';
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export interface FieldError {
  /** JSON Pointer into the request body (e.g. `#/inputs/3/17`), or a parameter (`#/params/id`). */
  pointer: string;
  detail: string;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  errors?: FieldError[];
}

/** The problem kinds this API answers; the type URI is PROBLEM_TYPE_BASE + kind. */
export const PROBLEM_TITLES = {
  'invalid-request': 'The request is not valid',
  'invalid-model': 'The uploaded model is not valid',
  'not-found': 'Not found',
  'unsupported-media-type': 'Unsupported media type',
  'payload-too-large': 'Payload too large',
  'unauthorized': 'An API key is required',
  'rate-limited': 'Too many requests',
  'conflict': 'Conflict',
  'not-acceptable': 'Not acceptable',
  'method-not-allowed': 'Method not allowed',
  'unavailable': 'Service unavailable',
  'internal': 'Internal error',
} as const;
export type ProblemKind = keyof typeof PROBLEM_TITLES;

/** An error that becomes a problem document; anything else thrown becomes a bare 500. */
export class ProblemError extends Error {
  override readonly name = 'ProblemError';
  constructor(
    readonly kind: ProblemKind,
    readonly status: number,
    detail: string,
    readonly errors?: FieldError[],
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
  }

  toProblem(instance?: string): Problem {
    return problem(this.kind, this.status, this.message, this.errors, instance);
  }
}

export function problem(kind: ProblemKind, status: number, detail: string, errors?: FieldError[], instance?: string): Problem {
  return {
    type: PROBLEM_TYPE_BASE + kind,
    title: PROBLEM_TITLES[kind],
    status,
    detail,
    ...(instance !== undefined ? { instance } : {}),
    ...(errors && errors.length ? { errors } : {}),
  };
}

/** `['inputs', 3, 17]` → `#/inputs/3/17` (RFC 6901 escaping of ~ and /). */
export function pointer(path: readonly PropertyKey[], root = '#'): string {
  return path.length === 0 ? root : `${root}/${path.map((p) => String(p).replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}`;
}

/** A 400 naming the field at fault. */
export function invalid(path: readonly PropertyKey[], detail: string, root = '#'): ProblemError {
  const where = pointer(path, root);
  return new ProblemError('invalid-request', 400, `${where === '#' ? 'the body' : where}: ${detail}`, [{ pointer: where, detail }]);
}

/** zod issues → a 400 problem with one entry per issue (the first named in `detail`). */
export function fromZodError(error: z.ZodError, root = '#'): ProblemError {
  const errors = error.issues.slice(0, 20).map((i) => ({ pointer: pointer(i.path, root), detail: i.message }));
  const first = errors[0];
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more)` : '';
  return new ProblemError('invalid-request', 400, `${first.pointer === '#' ? 'the body' : first.pointer}: ${first.detail}${more}`, errors);
}

/** A Web `Response` carrying a problem (the edge handler's error path). */
export function problemResponse(p: Problem, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(p), { status: p.status, headers: { 'content-type': PROBLEM_CONTENT_TYPE, ...headers } });
}

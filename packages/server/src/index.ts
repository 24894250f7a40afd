// @plasticity/server: the HTTP API over @plasticity/rules — Express app, model store, job
// runners (in-process and BullMQ/Redis), OpenAPI document, and the Web-standard edge handler
// (also importable alone as '@plasticity/server/edge', which keeps Express out of edge bundles).
export { createApp, jobBody, type AppOptions, type PlasticityApp } from './app.js';
export { startServer, expressServer, defaultJobsDir, type ServerOptions, type RunningServer } from './server.js';
export { ModelStore, StoreError, modelId, isModelId, type StoredModel } from './store.js';
export { createEdgeHandler, type EdgeHandler, type EdgeOptions } from './edge.js';
export { ROUTES, openApiDocument, expressPath, type RouteDef, type RouteName, type ResponseDef } from './openapi.js';
export { ProblemError, problem, pointer, invalid, fromZodError, PROBLEM_CONTENT_TYPE, PROBLEM_TYPE_BASE, type Problem, type FieldError, type ProblemKind } from './problem.js';
export { serveModel, predict, attack, checkMatrix, checkFloat32Rows, modelSummary, type ServedModel, type FeatureRange } from './inference.js';
export * from './schemas.js';
export type { JobRunner, JobRecord, JobSpec, JobKind, JobUpdate, JobProgressInfo, ProgressEvent } from './jobs/types.js';
export { InProcessRunner, type InProcessOptions } from './jobs/in-process.js';
export { RedisRunner, startWorker, redact, QUEUE_NAME, type RedisOptions, type WorkerOptions, type RunningWorker } from './jobs/redis.js';
export { executeJob, sharedBackend, datasetSpecFor, JobInputError, type JobContext } from './jobs/execute.js';

/**
 * The one error type the data layer throws for bad input: a missing or corrupt file, an
 * option that names a class the data set does not have, a subset that comes out empty.
 * Its message is meant to be shown to a user as is (no stack needed): it names the file or
 * option at fault and what would have been accepted.
 */
export class DataError extends Error {
  override readonly name = 'DataError';
  /** The file path or option (`--classes`) the message is about, when there is one. */
  readonly subject: string | undefined;
  constructor(message: string, options: { subject?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.subject = options.subject;
  }
}

/** The command-line spelling of a `DatasetSpec` field, used in error messages. */
export const OPTION_FLAGS = {
  name: '--dataset',
  dataDir: '--data-dir',
  path: '--path',
  label: '--label',
  classes: '--classes',
  oneVsRest: '--one-vs-rest',
  balance: '--balance',
  perClassCap: '--per-class-cap',
  testPerClassCap: '--test-per-class-cap',
  validation: '--validation',
  testFraction: '--test-fraction',
  seed: '--seed',
  testSeed: '--test-seed',
  featureRange: '--feature-range',
} as const;

export function optionName(field: keyof typeof OPTION_FLAGS): string {
  return `${OPTION_FLAGS[field]} (${field})`;
}

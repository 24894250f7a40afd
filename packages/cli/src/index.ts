// @plasticity/cli: the `plasticity` command. Everything it does is a call into
// @plasticity/rules; this package holds flags, config files, output modes and the Ink views.
export { runCli, buildProgram, chooseMode, processIo, type RunOptions } from './program.js';
export { COMMANDS } from './commands/index.js';
export type { CommandDef, CommandContext } from './command.js';
export { CliError, coerce, resolveFlags, toOption, type FlagSpec, type FlagType, type Resolved } from './flags.js';
export { DATA_FLAGS, TRAIN_FLAGS, OUTPUT_FLAGS, BACKEND_FLAG, datasetSpecFrom, trainConfigFrom, parseDatasetName } from './flag-tables.js';
export { readConfigFile, type ConfigFile } from './config.js';
export { Output, jsonLine, type CliEvent, type CliIo, type Mode } from './output.js';
export { trainOnce, formatTrainEvent, RUN_CONFIG, type TrainedRun, type TrainOnceOptions } from './commands/train.js';
export { loadModelAndData, type LoadedModel } from './commands/eval.js';
export { TrainView, EpochTable, type TrainViewProps } from './ui/train-view.js';
export { initialTrainState, reduceTrain, etaSeconds, overallProgress, type TrainViewState } from './ui/train-state.js';
export { ProgressBar, LineChart, Table, progressBar, sparkline, lineChart, resample } from './ui/components.js';

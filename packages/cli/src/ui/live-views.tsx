// The live views the commands mount on a terminal. Loaded only in interactive mode, so JSON
// and plain runs never pay for Ink, React and the layout engine.
import type { CliIo, Output } from '../output.js';
import { ExperimentView, initialExperimentState, reduceExperiment } from './experiment-view.js';
import { mountLive, useEventState, type Controls, type LiveHandle } from './live.js';
import { initialTrainState, reduceTrain } from './train-state.js';
import { TrainView } from './train-view.js';

function LiveTrain({ out, width }: { out: Output; width: number }) {
  const state = useEventState(out, reduceTrain, initialTrainState);
  return <TrainView state={state} width={width} />;
}

function LiveExperiment({ out, title }: { out: Output; title: string }) {
  const state = useEventState(out, reduceExperiment, () => initialExperimentState(title));
  return <ExperimentView state={state} />;
}

export function mountTrainView(out: Output, io: CliIo, controls: Controls): LiveHandle {
  return mountLive(io, controls, <LiveTrain out={out} width={io.stdout.columns ?? 100} />);
}

export function mountExperimentView(out: Output, io: CliIo, controls: Controls, title: string): LiveHandle {
  return mountLive(io, controls, <LiveExperiment out={out} title={title} />);
}

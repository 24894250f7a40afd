// Mounting an Ink view on a command's event stream, with the keys every live view shares:
// `q` stops cleanly (the command saves what it has), Ctrl-C interrupts (nothing is written).
import { render, useInput, useStdin } from 'ink';
import { useEffect, useReducer, type ReactElement } from 'react';
import type { CliEvent, CliIo, Output } from '../output.js';

export interface Controls {
  stop(): void;
  interrupt(): void;
}

export function useEventState<S>(out: Output, reduce: (s: S, e: CliEvent) => S, init: () => S): S {
  const [state, dispatch] = useReducer(reduce, undefined, () => out.events.reduce(reduce, init()));
  useEffect(() => out.subscribe(dispatch), [out]);
  return state;
}

/** `q` → controls.stop(), Ctrl-C → controls.interrupt(); inactive without raw-mode input. */
export function Keys({ controls }: { controls: Controls }) {
  const { isRawModeSupported } = useStdin();
  useInput(
    (input, key) => {
      if (key.ctrl && input === 'c') controls.interrupt();
      else if (input === 'q' || input === 'Q') controls.stop();
    },
    { isActive: isRawModeSupported === true },
  );
  return null;
}

export interface LiveHandle {
  /** Renders the last frame and releases the terminal. */
  finish(): Promise<void>;
}

export function mountLive(io: CliIo, controls: Controls, view: ReactElement): LiveHandle {
  const instance = render(
    <>
      {view}
      <Keys controls={controls} />
    </>,
    {
      stdout: io.stdout as NodeJS.WriteStream,
      stderr: io.stderr as NodeJS.WriteStream,
      stdin: io.stdin as NodeJS.ReadStream,
      exitOnCtrlC: false,
      patchConsole: false,
    },
  );
  return {
    async finish() {
      // Let the last events render before the final frame is fixed.
      await new Promise((r) => setTimeout(r, 50));
      instance.unmount();
      await instance.waitUntilExit();
    },
  };
}

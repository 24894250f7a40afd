// "Models in and out": download each model in our format (model.json + weights.bin, the folder
// `plasticity eval --model` reads) or as a TensorFlow.js layers model, both as .zip; load a
// model saved by the CLI (the two files, their folder, or a .zip of them).
import { zipSync } from 'fflate';
import { modelFilesFrom, type ModelFiles } from '../app/model-files.js';
import type { Run } from '../app/run.js';
import { pct } from '../format.js';
import { downloadBlob } from './attack-panel.js';
import { clear, field, h } from './dom.js';

export class ModelsPanel {
  readonly el: HTMLElement;
  private readonly list = h('ul', { className: 'models', 'data-testid': 'models' });
  readonly fileInput = h('input', { type: 'file', multiple: true, accept: '.zip,.json,.bin,application/zip,application/json', 'data-testid': 'load-model' });
  readonly dirInput = h('input', { type: 'file', 'data-testid': 'load-model-dir' });
  private readonly error = h('p', { className: 'error', role: 'alert', 'data-testid': 'model-error' });

  constructor(private readonly onLoad: (files: ModelFiles) => Promise<void>) {
    this.dirInput.setAttribute('webkitdirectory', '');
    const handle = async (input: HTMLInputElement) => {
      this.error.textContent = '';
      try {
        await this.onLoad(await modelFilesFrom([...(input.files ?? [])]));
      } catch (e) {
        this.error.textContent = (e as Error).message;
      } finally {
        input.value = '';
      }
    };
    this.fileInput.addEventListener('change', () => void handle(this.fileInput));
    this.dirInput.addEventListener('change', () => void handle(this.dirInput));
    this.el = h(
      'section',
      { id: 'models', 'aria-labelledby': 'models-h' },
      h('h2', { id: 'models-h' }, '4 · Models in and out'),
      this.list,
      h(
        'div',
        { className: 'row' },
        field('Load a model saved by the CLI', this.fileInput, 'Pick model.json and weights.bin together, or a .zip of them (as downloaded here).'),
        field('…or its folder', this.dirInput, 'The model directory `plasticity train --out DIR` wrote.'),
      ),
      this.error,
    );
  }

  showError(message: string): void {
    this.error.textContent = message;
  }

  render(runs: readonly Run[]): void {
    clear(this.list);
    if (runs.length === 0) this.list.append(h('li', { className: 'hint' }, 'No models yet.'));
    for (const r of runs) {
      const info = r.info;
      const fp = info?.fingerprintMatches;
      this.list.append(
        h(
          'li',
          { 'data-testid': `model-${r.id}`, 'data-rule': r.rule, 'data-source': r.source, 'data-status': r.status, 'data-accuracy': info ? info.test.accuracy : undefined },
          h('span', { className: 'dot', style: `background:${r.color}` }),
          h('strong', {}, r.label),
          ` — ${r.status}`,
          info ? ` · ${info.architecture.join('-')} · test accuracy ${pct(info.test.accuracy)} on ${info.test.n.toLocaleString('en-US')} rows` : '',
          info && r.source === 'loaded' ? ` · ${fp === true ? 'data fingerprint matches' : fp === false ? 'data fingerprint differs from the model’s (figures are for the data here)' : 'no data fingerprint stored'}` : '',
          info
            ? h(
                'span',
                { className: 'buttons' },
                h('button', { type: 'button', 'data-testid': `download-${r.id}`, onclick: () => void this.download(r, 'plasticity') }, 'Download model (.zip)'),
                h('button', { type: 'button', 'data-testid': `download-tfjs-${r.id}`, onclick: () => void this.download(r, 'tfjs') }, 'Download TensorFlow.js (.zip)'),
              )
            : null,
        ),
      );
    }
  }

  private async download(r: Run, format: 'plasticity' | 'tfjs'): Promise<void> {
    try {
      const { files } = await r.worker.call('exportModel', { format });
      const zipped = zipSync(Object.fromEntries(files.map((f) => [f.name, f.bytes])), { level: 6 });
      const stem = `${r.rule}-${r.data?.name ?? 'model'}-seed${r.info?.seed ?? 0}`;
      downloadBlob(format === 'tfjs' ? `${stem}.tfjs.zip` : `${stem}.zip`, [zipped as Uint8Array<ArrayBuffer>], 'application/zip');
    } catch (e) {
      this.showError(`${r.label}: ${(e as Error).message}`);
    }
  }
}

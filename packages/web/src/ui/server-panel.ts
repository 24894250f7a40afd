// "Run it on a server": connect to a `plasticity serve` URL, upload a model from this page,
// start a robustness job there and follow its progress over server-sent events. The request and
// response shapes are the server's own (imported as types only).
import type { JobBody, ModelSummaryBody, RobustnessRequestBody } from '@plasticity/server';
import type { Run } from '../app/run.js';
import { int, num, pct } from '../format.js';
import { clear, field, h, select } from './dom.js';

interface UploadAnswer {
  id: string;
  created: boolean;
  model: ModelSummaryBody;
}

interface Problem {
  title?: string;
  detail?: string;
  errors?: { pointer?: string; detail?: string }[];
}

export class ServerPanel {
  readonly el: HTMLElement;
  private readonly url = h('input', { type: 'url', 'data-testid': 'server-url', spellcheck: 'false' });
  private readonly key = h('input', { type: 'password', autocomplete: 'off', 'data-testid': 'server-key', placeholder: 'only if the server asks for one' });
  private readonly connect = h('button', { type: 'button', 'data-testid': 'server-connect' }, 'Connect');
  private readonly status = h('p', { role: 'status', 'data-testid': 'server-status' });
  private readonly error = h('p', { className: 'error', role: 'alert', 'data-testid': 'server-error' });
  private readonly models = select([], undefined, { 'data-testid': 'server-models' });
  private readonly uploadFrom = select([], undefined, { 'data-testid': 'server-upload-from' });
  private readonly uploadButton = h('button', { type: 'button', 'data-testid': 'server-upload' }, 'Upload to the server');
  private readonly attack = select([['fgsm', 'FGSM'], ['pgd', 'PGD (L∞)']], 'fgsm');
  private readonly eps = h('input', { type: 'text', value: '0,0.05,0.1,0.2', spellcheck: 'false', 'data-testid': 'server-eps' });
  private readonly rows = h('input', { type: 'number', min: 1, step: 1, value: 500, 'data-testid': 'server-rows' });
  private readonly runJob = h('button', { type: 'button', className: 'primary', 'data-testid': 'server-run' }, 'Run robustness job on the server');
  private readonly cancel = h('button', { type: 'button', disabled: true }, 'Cancel job');
  private readonly progress = h('progress', { max: 1, value: 0, 'aria-label': 'server job progress' });
  private readonly jobLine = h('p', { role: 'status', 'data-testid': 'server-job' });
  private readonly result = h('div', { 'data-testid': 'server-result' });
  private readonly connected = h('div', {});
  private base: string | null = null;
  private jobId: string | null = null;
  private source: EventSource | null = null;

  constructor(private readonly runs: () => readonly Run[]) {
    this.url.value = location.origin;
    this.connect.addEventListener('click', () => void this.doConnect());
    this.uploadButton.addEventListener('click', () => void this.upload());
    this.runJob.addEventListener('click', () => void this.startJob());
    this.cancel.addEventListener('click', () => void this.cancelJob());
    this.connected.append(
      h('div', { className: 'row' }, field('Model on the server', this.models), field('Upload a model from this page', this.uploadFrom), h('div', { className: 'field' }, h('span', {}, '\u00a0'), this.uploadButton)),
      h('div', { className: 'row' }, field('Attack', this.attack), field('ε list', this.eps), field('Test rows', this.rows)),
      h('div', { className: 'buttons' }, this.runJob, this.cancel),
      this.progress,
      this.jobLine,
      this.result,
    );
    this.connected.hidden = true;
    this.el = h(
      'section',
      { id: 'server', 'aria-labelledby': 'server-h' },
      h('h2', { id: 'server-h' }, '5 · Run robustness jobs on a server (optional)'),
      h('p', { className: 'hint' }, '`plasticity serve` serves this page and its API from one address, which is filled in below. Another address works only if that server allows requests from this page (CORS).'),
      h(
        'form',
        { className: 'row', onsubmit: (e: Event) => e.preventDefault() },
        field('Server URL', this.url),
        field('API key', this.key, 'Sent as a Bearer token on uploads and jobs.'),
        h('div', { className: 'field' }, h('span', {}, '\u00a0'), this.connect),
      ),
      this.status,
      this.error,
      this.connected,
    );
  }

  render(): void {
    const ready = this.runs().filter((r) => r.ready);
    const want = ready.map((r) => `${r.id}:${r.label}`).join('|');
    if (this.uploadFrom.dataset.key !== want) {
      this.uploadFrom.dataset.key = want;
      clear(this.uploadFrom);
      for (const r of ready) this.uploadFrom.append(h('option', { value: r.id }, r.label));
      this.uploadButton.disabled = ready.length === 0;
    }
  }

  private headers(write: boolean, extra: Record<string, string> = {}): Record<string, string> {
    const k = this.key.value.trim();
    return { accept: 'application/json', ...(write && k ? { authorization: `Bearer ${k}` } : {}), ...extra };
  }

  private async request<T>(path: string, init: RequestInit = {}, write = false): Promise<T> {
    if (!this.base) throw new Error('connect to a server first');
    let res: Response;
    try {
      res = await fetch(new URL(path, this.base), { ...init, headers: { ...this.headers(write), ...(init.headers as Record<string, string> | undefined) } });
    } catch (e) {
      throw new Error(`${this.base} did not answer ${path} (${(e as Error).message}); is \`plasticity serve\` running there, and does it allow this page's origin (CORS)?`);
    }
    const text = await res.text();
    let body: unknown = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = null;
    }
    if (!res.ok) {
      const p = (body ?? {}) as Problem;
      const fields = p.errors?.map((e) => `${e.pointer ?? ''} ${e.detail ?? ''}`.trim()).join('; ');
      throw new Error(`${path}: HTTP ${res.status} ${p.title ?? res.statusText}${p.detail ? `: ${p.detail}` : ''}${fields ? ` (${fields})` : ''}`);
    }
    return body as T;
  }

  private async doConnect(): Promise<void> {
    this.error.textContent = '';
    try {
      this.base = new URL(this.url.value).href;
    } catch {
      this.error.textContent = `Server URL: "${this.url.value}" is not a URL; expected e.g. http://127.0.0.1:8080`;
      return;
    }
    try {
      const health = await this.request<{ status: string; uptimeSeconds: number }>('/health');
      await this.refreshModels();
      this.status.textContent = `Connected to ${this.base}: ${health.status}, up ${Math.round(health.uptimeSeconds)} s, ${this.models.options.length} stored model${this.models.options.length === 1 ? '' : 's'}.`;
      this.connected.hidden = false;
    } catch (e) {
      this.status.textContent = '';
      this.connected.hidden = true;
      this.error.textContent = (e as Error).message;
    }
  }

  private async refreshModels(select?: string): Promise<void> {
    const list = await this.request<{ models: ModelSummaryBody[] }>('/v1/models');
    clear(this.models);
    for (const m of list.models) {
      const acc = m.testAccuracy === null ? '' : `, test accuracy ${pct(m.testAccuracy)}`;
      this.models.append(h('option', { value: m.id }, `${m.rule} on ${m.dataset?.name ?? '?'} (${m.architecture.inputSize}-${m.architecture.layers.map((l) => l.size).join('-')}${acc}) · ${m.id.slice(0, 8)}`));
    }
    if (select) this.models.value = select;
  }

  private async upload(): Promise<void> {
    this.error.textContent = '';
    const run = this.runs().find((r) => String(r.id) === this.uploadFrom.value);
    if (!run) return;
    try {
      const { files } = await run.worker.call('exportModel', { format: 'plasticity' });
      const form = new FormData();
      const json = files.find((f) => f.name === 'model.json')!;
      const bin = files.find((f) => f.name === 'weights.bin')!;
      form.append('model', new Blob([json.bytes as Uint8Array<ArrayBuffer>], { type: 'application/json' }), 'model.json');
      form.append('weights', new Blob([bin.bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }), 'weights.bin');
      const r = await this.request<UploadAnswer>('/v1/models', { method: 'POST', body: form }, true);
      await this.refreshModels(r.id);
      this.status.textContent = `${run.label} ${r.created ? 'stored' : 'was already stored'} on the server as ${r.id.slice(0, 8)}….`;
    } catch (e) {
      this.error.textContent = (e as Error).message;
    }
  }

  private async startJob(): Promise<void> {
    this.error.textContent = '';
    clear(this.result);
    const id = this.models.value;
    if (!id) {
      this.error.textContent = 'Model on the server: none is stored there yet; upload one first';
      return;
    }
    const epsilons = this.eps.value.split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
    if (epsilons.length === 0 || epsilons.some((e) => !Number.isFinite(e) || e < 0)) {
      this.error.textContent = `ε list: "${this.eps.value}" is not a comma-separated list of numbers ≥ 0`;
      return;
    }
    const body: RobustnessRequestBody = { rows: Number(this.rows.value), attacks: [{ attack: this.attack.value as 'fgsm', epsilons }] };
    try {
      const job = await this.request<JobBody>(`/v1/models/${id}/robustness`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }, true);
      this.follow(job);
    } catch (e) {
      this.error.textContent = (e as Error).message;
    }
  }

  private follow(job: JobBody): void {
    this.jobId = job.id;
    this.cancel.disabled = false;
    this.runJob.disabled = true;
    this.show(job);
    this.source?.close();
    const es = new EventSource(new URL(job.links.events, this.base!).href);
    this.source = es;
    es.addEventListener('progress', (e) => {
      const p = JSON.parse((e as MessageEvent<string>).data) as { fraction: number; event: Record<string, unknown> | null };
      this.progress.value = p.fraction;
      const ev = p.event;
      this.jobLine.textContent = `job ${job.id.slice(0, 8)}: running, ${pct(p.fraction, 0)}${ev && ev.type === 'attack-progress' ? ` (ε = ${String(ev.epsilon)}: ${int(Number(ev.done))}/${int(Number(ev.total))} rows)` : ''}`;
    });
    es.addEventListener('state', (e) => this.show(JSON.parse((e as MessageEvent<string>).data) as JobBody));
    es.addEventListener('end', () => {
      es.close();
      this.done();
    });
    es.onerror = () => {
      // The stream broke (server gone): read the job once more, then stop listening.
      es.close();
      void this.request<JobBody>(`/v1/jobs/${job.id}`)
        .then((j) => this.show(j))
        .catch((err: Error) => {
          this.error.textContent = err.message;
        })
        .finally(() => this.done());
    };
  }

  private done(): void {
    this.cancel.disabled = true;
    this.runJob.disabled = false;
    this.jobId = null;
  }

  private show(job: JobBody): void {
    this.progress.value = job.progress.fraction;
    this.jobLine.textContent = `job ${job.id.slice(0, 8)}: ${job.state}${job.error ? ` — ${job.error}` : ''}`;
    const report = (job.result as { report?: { rows?: { epsilon: number; robustAccuracy: number; successRate: number; meanLinf: number; n: number; series: string }[] } } | null)?.report;
    if (job.state === 'completed' && report?.rows) {
      clear(this.result);
      this.result.append(
        h(
          'table',
          { className: 'numbers' },
          h('caption', {}, `Server report (job ${job.id.slice(0, 8)})`),
          h('thead', {}, h('tr', {}, ...['attack', 'ε', 'robust accuracy', 'attack success rate', 'mean L∞', 'rows'].map((t) => h('th', { scope: 'col' }, t)))),
          h('tbody', {}, ...report.rows.map((r) => h('tr', {}, h('td', {}, r.series), h('td', {}, r.epsilon), h('td', {}, pct(r.robustAccuracy)), h('td', {}, pct(r.successRate)), h('td', {}, num(r.meanLinf, 3)), h('td', {}, int(r.n))))),
        ),
      );
    }
  }

  private async cancelJob(): Promise<void> {
    if (!this.jobId) return;
    try {
      this.show(await this.request<JobBody>(`/v1/jobs/${this.jobId}`, { method: 'DELETE' }, true));
    } catch (e) {
      this.error.textContent = (e as Error).message;
    }
  }
}

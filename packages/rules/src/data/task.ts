// Choosing rows: the task (all classes, a subset, one against the rest), balancing, per-class
// caps and stratified splits. Every function keeps rows in ascending source order, so the
// result depends on the seed and the options only, never on iteration order elsewhere.
import type { Rng } from '../rng.js';
import { DataError, optionName } from './errors.js';
import type { DatasetSpec, TaskInfo } from './types.js';

export interface TaskPlan {
  readonly info: Omit<TaskInfo, 'perClassCap'>;
  readonly classNames: readonly string[];
  /** Source label → task label, −1 for dropped. */
  readonly mapping: Int32Array;
}

function describeClasses(names: readonly string[]): string {
  const all = names.map((n, i) => (n === String(i) ? `${i}` : `${i}=${n}`));
  return names.length <= 12 ? all.join(', ') : `${all.slice(0, 10).join(', ')}, …, ${all[all.length - 1]}`;
}

function checkClassIndex(c: unknown, field: 'classes' | 'oneVsRest', dataset: string, names: readonly string[]): number {
  if (typeof c !== 'number' || !Number.isInteger(c) || c < 0 || c >= names.length) {
    throw new DataError(
      `${optionName(field)}: class ${String(c)} does not exist in ${dataset}; it has ${names.length} classes, 0..${names.length - 1} (${describeClasses(names)})`,
      { subject: field },
    );
  }
  return c;
}

export function planTask(spec: DatasetSpec, sourceClasses: readonly string[]): TaskPlan {
  const k = sourceClasses.length;
  const mapping = new Int32Array(k).fill(-1);
  const balanced = spec.balance === true;
  if (spec.classes !== undefined && spec.oneVsRest !== undefined) {
    throw new DataError(`${optionName('classes')} and ${optionName('oneVsRest')} cannot be combined; give one of them`, { subject: 'classes' });
  }
  if (spec.classes !== undefined) {
    if (!Array.isArray(spec.classes) || spec.classes.length < 2) {
      throw new DataError(`${optionName('classes')} needs at least two classes (e.g. 0,1), got ${JSON.stringify(spec.classes)}; for one class against the others use ${optionName('oneVsRest')}`, { subject: 'classes' });
    }
    const chosen = spec.classes.map((c) => checkClassIndex(c, 'classes', spec.name, sourceClasses));
    const seen = new Set<number>();
    for (const c of chosen) {
      if (seen.has(c)) throw new DataError(`${optionName('classes')} lists class ${c} twice; list each class once`, { subject: 'classes' });
      seen.add(c);
    }
    chosen.forEach((c, i) => (mapping[c] = i));
    return {
      info: { kind: 'classes', sourceClasses: [...sourceClasses], mapping: [...mapping], selected: chosen, balanced },
      classNames: chosen.map((c) => sourceClasses[c]),
      mapping,
    };
  }
  if (spec.oneVsRest !== undefined) {
    const c = checkClassIndex(spec.oneVsRest, 'oneVsRest', spec.name, sourceClasses);
    mapping.fill(0);
    mapping[c] = 1;
    return {
      info: { kind: 'one-vs-rest', sourceClasses: [...sourceClasses], mapping: [...mapping], selected: [c], balanced },
      classNames: ['rest', sourceClasses[c]],
      mapping,
    };
  }
  for (let c = 0; c < k; c++) mapping[c] = c;
  return {
    info: { kind: 'all', sourceClasses: [...sourceClasses], mapping: [...mapping], selected: null, balanced },
    classNames: [...sourceClasses],
    mapping,
  };
}

/** Rows of `rows` grouped by label, each group in the order of `rows`. */
export function groupByLabel(rows: Int32Array, labelOf: (row: number) => number, k: number): Int32Array[] {
  const counts = new Int32Array(k);
  for (let i = 0; i < rows.length; i++) counts[labelOf(rows[i])]++;
  const groups = Array.from(counts, (c) => new Int32Array(c));
  const fill = new Int32Array(k);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    const c = labelOf(r);
    groups[c][fill[c]++] = r;
  }
  return groups;
}

function sortedConcat(parts: Int32Array[]): Int32Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Int32Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out.sort();
}

/** A seeded random subset of `m` rows of `group` (kept in ascending order), and the rest. */
function sample(group: Int32Array, m: number, rng: Rng): { taken: Int32Array; rest: Int32Array } {
  const perm = rng.shuffle(Int32Array.from(group));
  return { taken: perm.slice(0, m).sort(), rest: perm.slice(m).sort() };
}

/** Keep rows whose source label maps to a task label. */
export function selectRows(labels: ArrayLike<number>, mapping: Int32Array, rows?: Int32Array): Int32Array {
  const n = rows ? rows.length : labels.length;
  const out = new Int32Array(n);
  let m = 0;
  for (let i = 0; i < n; i++) {
    const r = rows ? rows[i] : i;
    if (mapping[labels[r]] >= 0) out[m++] = r;
  }
  return out.slice(0, m);
}

/** Subsample every class to the size of the smallest one (seeded). */
export function balanceRows(rows: Int32Array, labelOf: (row: number) => number, k: number, rng: Rng): Int32Array {
  const groups = groupByLabel(rows, labelOf, k);
  const m = Math.min(...groups.map((g) => g.length));
  return sortedConcat(groups.map((g, c) => (g.length === m ? g : sample(g, m, rng.fork(`class-${c}`)).taken)));
}

/** At most `cap` rows per class (seeded choice). */
export function capRows(rows: Int32Array, labelOf: (row: number) => number, k: number, cap: number, rng: Rng): Int32Array {
  const groups = groupByLabel(rows, labelOf, k);
  return sortedConcat(groups.map((g, c) => (g.length <= cap ? g : sample(g, cap, rng.fork(`class-${c}`)).taken)));
}

/**
 * Stratified split: from each class, round(count · fraction) rows (seeded choice) go to
 * `heldOut`, the others stay in `kept`.
 */
export function stratifiedSplit(
  rows: Int32Array,
  labelOf: (row: number) => number,
  k: number,
  fraction: number,
  rng: Rng,
): { kept: Int32Array; heldOut: Int32Array } {
  const groups = groupByLabel(rows, labelOf, k);
  const kept: Int32Array[] = [];
  const heldOut: Int32Array[] = [];
  groups.forEach((g, c) => {
    const { taken, rest } = sample(g, Math.round(g.length * fraction), rng.fork(`class-${c}`));
    heldOut.push(taken);
    kept.push(rest);
  });
  return { kept: sortedConcat(kept), heldOut: sortedConcat(heldOut) };
}

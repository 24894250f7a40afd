// A confusion matrix as a table (screen readers read it; the shading is only a cue).
import { h } from './dom.js';
import { int, pct } from '../format.js';

export function confusionTable(matrix: number[][], classNames: readonly string[], caption: string): HTMLTableElement {
  const k = classNames.length;
  const table = h('table', { className: 'confusion' }, h('caption', {}, caption));
  const head = h('tr', {}, h('th', { scope: 'col' }, 'true ↓ / predicted →'), ...classNames.map((c) => h('th', { scope: 'col' }, c)));
  table.append(h('thead', {}, head));
  const body = h('tbody');
  let correct = 0;
  let total = 0;
  for (let i = 0; i < k; i++) {
    const row = matrix[i] ?? [];
    const sum = row.slice(0, k).reduce((a, b) => a + b, 0);
    const tr = h('tr', {}, h('th', { scope: 'row' }, classNames[i]));
    for (let j = 0; j < k; j++) {
      const v = row[j] ?? 0;
      const share = sum > 0 ? v / sum : 0;
      const td = h('td', { title: `${int(v)} of ${int(sum)} rows of class ${classNames[i]} predicted ${classNames[j]} (${pct(share, 1)})` }, int(v));
      td.style.background = i === j ? `rgba(44,160,44,${0.15 + 0.6 * share})` : v > 0 ? `rgba(214,39,40,${0.1 + 0.8 * share})` : '';
      tr.append(td);
    }
    correct += row[i] ?? 0;
    total += sum;
    body.append(tr);
  }
  table.append(body);
  table.append(h('tfoot', {}, h('tr', {}, h('td', { colspan: k + 1 }, `accuracy ${pct(total ? correct / total : 0)} of ${int(total)} rows`))));
  return table;
}

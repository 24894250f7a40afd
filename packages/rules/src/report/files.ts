// A robustness report on disk: report.json, rows.csv (one line per model, attack and ε),
// summary.csv (mean and interval over seeds), and the accuracy-vs-ε plot as SVG and PNG.
// Each file is written atomically.
import { writeFileAtomic } from '../model/files.js';
import { accuracySpec, renderSvg, svgToPng, type PlotOptions } from './plot.js';
import { rowsCsv, summaryCsv, type RobustnessReport } from './robustness.js';

export async function writeRobustnessReport(dir: string, report: RobustnessReport, plot: PlotOptions = {}): Promise<string[]> {
  const path = await import('node:path');
  const files: [string, string | Uint8Array][] = [
    ['report.json', `${JSON.stringify(report, null, 2)}\n`],
    ['rows.csv', rowsCsv(report.rows)],
    ['summary.csv', summaryCsv(report.summary)],
  ];
  const svg = await renderSvg(accuracySpec(report.summary, { title: `Robust accuracy vs ε (${report.dataset.name})`, ...plot }));
  files.push(['accuracy.svg', svg], ['accuracy.png', await svgToPng(svg)]);
  for (const [name, data] of files) await writeFileAtomic(path.join(dir, name), data);
  return files.map(([name]) => name);
}

// Robustness reports, plots, example grids and the rule-vs-rule comparison experiment.
export { meanInterval, pairedTTest, type Interval, type PairedTest } from './stats.js';
export {
  robustnessReport, summarise, seriesName, rowsCsv, summaryCsv, toCsv, datasetRef,
  type AttackPlan, type ReportModel, type RobustnessReport, type RobustnessRow, type SummaryRow, type ReportEvent, type ReportOptions, type DatasetRef,
} from './robustness.js';
export { accuracySpec, renderSvg, svgToPng, type PlotOptions } from './plot.js';
export { exampleGrid, exampleGridSvg, isImageShape, type GridExample, type GridOptions } from './grid.js';
export { writeRobustnessReport } from './files.js';
export {
  runComparison, parseComparisonConfig, comparisonConfigSchema, sanityChecks, writeComparison, comparisonMarkdown,
  type ComparisonConfig, type ComparisonConfigInput, type ComparisonReport, type ComparisonEvent, type ComparisonOptions, type SanityCheck, type PairedRow, type TrainedRun,
} from './comparison.js';

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCsv } from './csv.js';
import { loadDataset } from './dataset.js';
import { DataError } from './errors.js';

async function expectDataError(fn: () => unknown, ...patterns: (string | RegExp)[]): Promise<string> {
  let caught: unknown;
  try {
    await fn();
  } catch (err) {
    caught = err;
  }
  expect(caught, 'expected a DataError').toBeInstanceOf(DataError);
  for (const p of patterns) expect((caught as Error).message).toMatch(p);
  return (caught as Error).message;
}

describe('parseCsv', () => {
  it('takes the label column by name wherever it is, features in header order', () => {
    const t = parseCsv('a,species,b\n1.5,x,2\n-3e-1,y,4\n.5,x,+6\n', 's', { label: 'species' });
    expect(t.featureNames).toEqual(['a', 'b']);
    expect(Array.from(t.x)).toEqual([1.5, 2, -0.3, 4, 0.5, 6].map(Math.fround));
    expect(t.classNames).toEqual(['x', 'y']);
    expect(Array.from(t.labels)).toEqual([0, 1, 0]);
    expect(Array.from(t.lines)).toEqual([2, 3, 4]);
    expect([t.min, t.max]).toEqual([Math.fround(-0.3), 6]);
  });

  it('integer labels are the class numbers themselves', () => {
    const t = parseCsv('f,label\n0.1,3\n0.2,1\n0.3,3\n', 's', { label: 'label' });
    expect(t.classNames).toEqual(['0', '1', '2', '3']);
    expect(Array.from(t.labels)).toEqual([3, 1, 3]);
  });

  it('handles a BOM, CRLF, quotes and blank lines, counting lines as an editor does', () => {
    const text = '\ufeff"f 1",f2,label\r\n1,2,a\r\n\r\n"3","4",b\r\n';
    const t = parseCsv(text, 's', { label: 'label' });
    expect(t.featureNames).toEqual(['f 1', 'f2']);
    expect(Array.from(t.lines)).toEqual([2, 4]);
    expect(Array.from(t.x)).toEqual([1, 2, 3, 4]);
  });

  it('reports every bad row by line number, with what is wrong', async () => {
    const text = ['a,b,label', '1,2,x', '1,,x', '', '1,abc,y', '"multi', 'line",2,x', '5,6', '7,8,', '1,NaN,x', '1,0x10,y', '2,3,y'].join('\n');
    const msg = await expectDataError(
      () => parseCsv(text, 'csv: /p/t.csv', { label: 'label' }),
      'csv: /p/t.csv',
      '7 of 9 data rows',
      'line 3: "b" is missing',
      'line 5: "b" is not a number: "abc"',
      /line 6: "a" is not a number/,
      'line 8: 2 fields, expected 3',
      'line 9: label "label" is missing',
      /line 10: "b" is not a number: "NaN"/,
      /line 11: "b" is not a number: "0x10"/,
    );
    expect(msg).not.toMatch(/line (2|12):/);
  });

  it('lists at most ten bad rows and counts the rest', async () => {
    const text = 'a,label\n' + Array.from({ length: 25 }, (_, i) => (i % 2 ? `${i},x` : `?,x`)).join('\n');
    const msg = await expectDataError(() => parseCsv(text, 's', { label: 'label' }), '13 of 25 data rows', '… and 3 more rows');
    expect(msg.match(/line \d+:/g)).toHaveLength(10);
  });

  it('rejects a missing label column, listing the columns', async () => {
    await expectDataError(() => parseCsv('a,b\n1,2\n', 'csv: f', { label: 'y' }), '--label', 'no column "y"', '"a", "b"');
  });

  it('rejects an empty file, a header without rows, duplicate and empty column names, and bad quoting', async () => {
    await expectDataError(() => parseCsv('', 'f', { label: 'y' }), 'f is empty');
    await expectDataError(() => parseCsv('a,y\n\n', 'f', { label: 'y' }), 'no data rows');
    await expectDataError(() => parseCsv('a,a,y\n1,2,3\n', 'f', { label: 'y' }), 'column "a" twice');
    await expectDataError(() => parseCsv('a,,y\n1,2,3\n', 'f', { label: 'y' }), 'column 2 has no name');
    await expectDataError(() => parseCsv('y\n1\n', 'f', { label: 'y' }), 'at least one numeric feature');
    await expectDataError(() => parseCsv('a,y\n1,"2\n', 'f', { label: 'y' }), 'not valid CSV', /Quote Not Closed/);
  });
});

describe('CSV files', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'plasticity-csv-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function file(name: string, text: string): Promise<string> {
    const p = join(dir, name);
    await writeFile(p, text);
    return p;
  }

  it('loads, splits 80/20 stratified by default, keeps raw units and the file range', async () => {
    const rows = Array.from({ length: 50 }, (_, i) => `${i},${(i * 7) % 13},${['cat', 'dog'][i % 2]}`);
    const path = await file('ok.csv', 'f1,f2,kind\n' + rows.join('\n') + '\n');
    const { train, test } = await loadDataset({ name: 'csv', path, label: 'kind' });
    expect(train.n + test.n).toBe(50);
    expect(test.classCounts).toEqual([5, 5]);
    expect(train.classNames).toEqual(['cat', 'dog']);
    expect(train.featureNames).toEqual(['f1', 'f2']);
    expect(train.inputShape).toEqual([2]);
    expect(train.featureRange).toEqual({ lo: 0, hi: 49 });
    for (let i = 0; i < train.n; i++) {
      const src = train.sourceIndex[i]!;
      expect(train.x[i * 2]).toBe(src);
      expect(train.y[i]).toBe(src % 2);
    }
  });

  it('takes a declared --feature-range, and rejects one the data falls outside, naming the line', async () => {
    const path = await file('range.csv', 'a,b,y\n0,1,0\n0.5,0.25,1\n1,1.5,0\n0.2,0.1,1\n0.3,0.3,0\n0.9,0.4,1\n0.1,0.1,0\n0.8,0.7,1\n0.6,0.5,0\n0.4,0.2,1\n');
    await expectDataError(() => loadDataset({ name: 'csv', path, label: 'y', featureRange: { lo: 0, hi: 1 } }), '--feature-range', 'line 4', '"b" = 1.5');
    const { train } = await loadDataset({ name: 'csv', path, label: 'y', featureRange: { lo: 0, hi: 2 } });
    expect(train.featureRange).toEqual({ lo: 0, hi: 2 });
  });

  it('names a missing file and missing options', async () => {
    await expectDataError(() => loadDataset({ name: 'csv', path: join(dir, 'nope.csv'), label: 'y' }), join(dir, 'nope.csv'), 'does not exist');
    await expectDataError(() => loadDataset({ name: 'csv', label: 'y' }), '--path');
    await expectDataError(() => loadDataset({ name: 'csv', path: join(dir, 'ok.csv') }), '--label');
  });

  it('bad rows in a file fail the load (never fewer rows)', async () => {
    const path = await file('bad.csv', 'a,y\n1,0\n2,1\nx,0\n');
    await expectDataError(() => loadDataset({ name: 'csv', path, label: 'y' }), path, 'line 4: "a" is not a number');
  });

  it('--classes naming a class with no rows is an empty-subset error', async () => {
    const path = await file('gap.csv', 'a,y\n' + Array.from({ length: 20 }, (_, i) => `${i},${i % 2 ? 3 : 0}`).join('\n'));
    const ok = await loadDataset({ name: 'csv', path, label: 'y', classes: [0, 3] });
    expect(ok.train.classNames).toEqual(['0', '3']);
    await expectDataError(() => loadDataset({ name: 'csv', path, label: 'y', classes: [0, 2] }), '--classes', 'class "2" has no rows', 'empty');
    await expectDataError(() => loadDataset({ name: 'csv', path, label: 'y', classes: [0, 4] }), '--classes', 'class 4 does not exist', '0..3');
  });
});

// Numbers as the page shows them: each with its unit.
export const pct = (x: number, digits = 2): string => (Number.isFinite(x) ? `${(100 * x).toFixed(digits)} %` : '–');
export const num = (x: number, digits = 4): string => (Number.isFinite(x) ? x.toFixed(digits) : '–');
export const sci = (x: number): string => (Number.isFinite(x) ? x.toExponential(2) : '–');
export const int = (x: number): string => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '–');
export const seconds = (s: number): string => (!Number.isFinite(s) ? '–' : s < 10 ? `${s.toFixed(2)} s` : `${s.toFixed(1)} s`);
export const rate = (samplesPerSec: number): string => `${int(samplesPerSec)} samples/s`;
export const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;
export const degrees = (d: number): string => (Number.isFinite(d) ? `${d.toFixed(1)}°` : '–');
/** ε on a [0, 1] pixel scale, with its value in 8-bit grey levels for images. */
export const epsilon = (e: number, image: boolean): string => (image ? `${e.toFixed(3)} (≈ ${(e * 255).toFixed(1)}/255 grey levels)` : e.toPrecision(3));

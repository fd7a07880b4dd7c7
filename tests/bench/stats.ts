// Order statistics for the benchmark: nearest-rank percentiles, so every reported figure is a value that
// was actually measured (with fewer than 100 samples, p99 is the largest one).

export interface Summary {
  n: number;
  p50: number;
  p99: number;
  min: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentile of values (q in 0..1); NaN for no values. */
export function percentile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil(q * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export function summarize(values: number[]): Summary {
  let sum = 0;
  for (const value of values) sum += value;
  return {
    n: values.length,
    p50: percentile(values, 0.5),
    p99: percentile(values, 0.99),
    min: values.length ? Math.min(...values) : NaN,
    max: values.length ? Math.max(...values) : NaN,
    mean: values.length ? sum / values.length : NaN,
  };
}

/** For rates, where the bad tail is the low end: p50, and as "p99" the rate that 99 % of runs reached. */
export function summarizeRate(values: number[]): Summary {
  const summary = summarize(values);
  return { ...summary, p99: percentile(values, 0.01) };
}

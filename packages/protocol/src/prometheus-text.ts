/** One metric family for the Prometheus text exposition format (version 0.0.4). */
export interface MetricFamily {
  /** Metric name, `fieldproof_` prefixed, units last (`_bytes`, `_seconds`, `_total`). */
  name: string;
  /** One-line help text. */
  help: string;
  /** `counter` or `gauge`. */
  type: 'counter' | 'gauge';
  /** Samples: a value with optional labels. */
  samples: { labels?: Record<string, string>; value: number }[];
}

const escapeLabel = (value: string): string => value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

/** Render metric families as Prometheus text (served with content type text/plain; version=0.0.4). */
export function formatPrometheusText(families: readonly MetricFamily[]): string {
  const lines: string[] = [];
  for (const family of families) {
    lines.push(`# HELP ${family.name} ${family.help.replace(/\n/g, ' ')}`);
    lines.push(`# TYPE ${family.name} ${family.type}`);
    for (const sample of family.samples) {
      const labels = Object.entries(sample.labels ?? {});
      const labelText =
        labels.length === 0 ? '' : `{${labels.map(([key, value]) => `${key}="${escapeLabel(value)}"`).join(',')}}`;
      lines.push(`${family.name}${labelText} ${Number.isFinite(sample.value) ? sample.value : 'NaN'}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

import { describe, expect, it } from 'vitest';
import { formatPrometheusText } from './prometheus-text.ts';

describe('formatPrometheusText', () => {
  it('writes HELP, TYPE and samples with escaped labels', () => {
    const text = formatPrometheusText([
      {
        name: 'fieldproof_rejects_total',
        help: 'Rejected inputs by code.',
        type: 'counter',
        samples: [
          { labels: { code: 'frame_malformed' }, value: 3 },
          { labels: { code: 'a"b\\c' }, value: 1 },
        ],
      },
      { name: 'fieldproof_log_size', help: 'Leaves in the log.', type: 'gauge', samples: [{ value: 42 }] },
    ]);
    expect(text).toBe(
      [
        '# HELP fieldproof_rejects_total Rejected inputs by code.',
        '# TYPE fieldproof_rejects_total counter',
        'fieldproof_rejects_total{code="frame_malformed"} 3',
        'fieldproof_rejects_total{code="a\\"b\\\\c"} 1',
        '# HELP fieldproof_log_size Leaves in the log.',
        '# TYPE fieldproof_log_size gauge',
        'fieldproof_log_size 42',
        '',
      ].join('\n'),
    );
  });
});

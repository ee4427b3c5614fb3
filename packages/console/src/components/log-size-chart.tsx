// An ECharts line chart of the log's size, drawn on a canvas with no external resources.
import { LineChart } from 'echarts/charts';
import { GridComponent, TooltipComponent } from 'echarts/components';
import { type ECharts, init, use } from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { useEffect, useRef } from 'react';

use([LineChart, GridComponent, TooltipComponent, CanvasRenderer]);

/** One observation of the log's size. */
export interface LogSizeSample {
  /** When it was fetched, UTC ms. */
  timeMs: number;
  /** Leaves in the log then. */
  logSize: number;
}

/** A line chart of `samples`; `label` names it for assistive technology. */
export function LogSizeChart(props: { samples: LogSizeSample[]; label: string; seriesName: string }) {
  const element = useRef<HTMLDivElement>(null);
  const chart = useRef<ECharts | undefined>(undefined);
  useEffect(() => {
    if (!element.current) return;
    const instance = init(element.current, undefined, { renderer: 'canvas' });
    chart.current = instance;
    const onResize = () => instance.resize();
    globalThis.addEventListener('resize', onResize);
    return () => {
      globalThis.removeEventListener('resize', onResize);
      instance.dispose();
      chart.current = undefined;
    };
  }, []);
  useEffect(() => {
    chart.current?.setOption({
      animation: false,
      grid: { left: 64, right: 24, top: 16, bottom: 40 },
      tooltip: { trigger: 'axis' },
      xAxis: { type: 'time' },
      yAxis: { type: 'value', minInterval: 1 },
      series: [
        {
          name: props.seriesName,
          type: 'line',
          showSymbol: false,
          data: props.samples.map((sample) => [sample.timeMs, sample.logSize]),
        },
      ],
    });
  }, [props.samples, props.seriesName]);
  return <div ref={element} role="img" aria-label={props.label} className="chart" data-testid="log-size-chart" />;
}

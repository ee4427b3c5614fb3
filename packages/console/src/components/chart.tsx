// One ECharts chart on a canvas (no external resources): bar, line, pie, scatter and graph series.
// The chart is an image to assistive technology, named by `label`; each page also shows the
// figures in text or a table beside it.
import { BarChart, GraphChart, LineChart, PieChart, ScatterChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import { type ECharts, type EChartsCoreOption, init, use } from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { useEffect, useRef } from 'react';

use([
  BarChart,
  LineChart,
  PieChart,
  ScatterChart,
  GraphChart,
  GridComponent,
  LegendComponent,
  TooltipComponent,
  CanvasRenderer,
]);

/** The console's series colours: each keeps at least 4.5:1 against white (text in legends uses them). */
export const chartPalette = ['#0b4f8a', '#8a5a00', '#1b6e20', '#b00020', '#5b3c88', '#00696b', '#4a4a4a'];

/** A chart of `option`; `label` names it for assistive technology. */
export function Chart(props: { option: EChartsCoreOption; label: string; testId?: string; height?: number }) {
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
    chart.current?.setOption({ animation: false, color: chartPalette, ...props.option }, { notMerge: true });
  }, [props.option]);
  return (
    <div
      ref={element}
      role="img"
      aria-label={props.label}
      className="chart"
      style={props.height ? { height: props.height } : undefined}
      data-testid={props.testId}
    />
  );
}

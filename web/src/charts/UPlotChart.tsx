/**
 * Chart view: a thin Solid wrapper around one uPlot instance. Options are built once per instance; when
 * a reactive input of `createOptions` changes (language) or the theme changes (`kiban:theme`: canvas
 * colours come from CSS variables read at build time) the chart is rebuilt. Data never flows through
 * props: the owner pushes it with `setData` from `onReady`'s instance. Width follows the container
 * through a ResizeObserver.
 */
import { createEffect, createSignal, onCleanup, onMount, untrack } from 'solid-js';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { THEME_EVENT } from './theme.ts';

export interface UPlotChartProps {
  height: number;
  createOptions(size: { width: number; height: number }): uPlot.Options;
  onReady?(chart: uPlot): void;
  onDestroy?(chart: uPlot): void;
  class?: string;
}

export function UPlotChart(props: UPlotChartProps) {
  let host!: HTMLDivElement;
  let chart: uPlot | undefined;

  const [themeVersion, setThemeVersion] = createSignal(0);
  const onThemeChange = () => setThemeVersion((v) => v + 1);
  globalThis.addEventListener?.(THEME_EVENT, onThemeChange);
  onCleanup(() => globalThis.removeEventListener?.(THEME_EVENT, onThemeChange));

  onMount(() => {
    createEffect(() => {
      themeVersion();
      const width = Math.max(200, Math.floor(host.clientWidth));
      const options = props.createOptions({ width, height: props.height });
      untrack(() => {
        const instance = new uPlot(options, undefined, host);
        chart = instance;
        props.onReady?.(instance);
        onCleanup(() => {
          props.onDestroy?.(instance);
          instance.destroy();
          if (chart === instance) chart = undefined;
        });
      });
    });

    const observer = new ResizeObserver((entries) => {
      const width = Math.floor(entries[entries.length - 1].contentRect.width);
      if (chart && width > 0 && width !== chart.width) chart.setSize({ width, height: props.height });
    });
    observer.observe(host);
    onCleanup(() => observer.disconnect());
  });

  return <div ref={host} class={props.class ?? 'uplot-host'} />;
}

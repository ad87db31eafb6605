/**
 * Canvas cannot read CSS variables, so the chart reads the theme from the document once when it is
 * created (and again when it is recreated, e.g. after the colour scheme changes).
 */
export interface ChartTheme {
  axis: string;
  grid: string;
  text: string;
  font: string;
  series: string[];
}

const FALLBACK: ChartTheme = {
  axis: '#9aa6b2',
  grid: 'rgba(154, 166, 178, 0.15)',
  text: '#dbe2e9',
  font: '12px system-ui, sans-serif',
  series: ['#4aa3ff', '#f5a524', '#3ccf91', '#c084fc', '#f87171', '#22d3ee'],
};

export function readChartTheme(element: Element = document.documentElement): ChartTheme {
  const style = getComputedStyle(element);
  const read = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
  return {
    axis: read('--chart-axis', FALLBACK.axis),
    grid: read('--chart-grid', FALLBACK.grid),
    text: read('--fg', FALLBACK.text),
    font: `12px ${read('--font-sans', 'system-ui, sans-serif')}`,
    series: FALLBACK.series.map((color, index) => read(`--series-${index + 1}`, color)),
  };
}

/**
 * Canvas cannot read CSS variables, so the chart reads the theme from the document once when it is
 * created (and again when it is recreated: UPlotChart rebuilds its chart on the `kiban:theme` event).
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
  // Fallbacks only: the stylesheet's --series-N win (distinct hues, then the first ones again, dashed).
  series: ['#4aa3ff', '#f5a524', '#3ccf91', '#c084fc', '#f87171', '#22d3ee', '#a3e635', '#f472b6', '#fb923c', '#94a3b8'],
};

/** Fired on window by the shell when the user switches between the light and dark theme. */
export const THEME_EVENT = 'kiban:theme';

/**
 * `color` with opacity `alpha` (for the min/max band under a line). Understands #rgb, #rrggbb and rgb();
 * anything else (a named colour) is mixed by the canvas itself via color-mix.
 */
export function withAlpha(color: string, alpha: number): string {
  const c = color.trim();
  const hex = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(c);
  if (hex) {
    const h = hex[1].length === 3 ? hex[1].split('').map((d) => d + d).join('') : hex[1];
    const [r, g, b] = [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16));
    return `rgba(${r}, ${g}, ${b}, ${alpha})`;
  }
  const rgb = /^rgba?\(([^)]+)\)$/i.exec(c);
  if (rgb) {
    const [r, g, b] = rgb[1].split(/[ ,/]+/).filter(Boolean);
    return `rgba(${r}, ${g}, ${b}, ${alpha})`;
  }
  return `color-mix(in srgb, ${c} ${Math.round(alpha * 100)}%, transparent)`;
}

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

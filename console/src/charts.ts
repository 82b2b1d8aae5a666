import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/** A sparkline: one series, no axes or legend; the latest value is printed beside it by the caller. */
export function sparkline(target: HTMLElement, label: string, xs: number[], ys: (number | null)[], range: [number, number], color = '#1d5fa8'): uPlot {
  return new uPlot(
    {
      width: Math.max(160, target.clientWidth - 18),
      height: 44,
      legend: { show: false },
      cursor: { show: false },
      axes: [{ show: false }, { show: false }],
      // The whole window on x (an hour), so a young fleet's few samples sit at the right, where now is.
      scales: { x: { time: true, range: () => range }, // A little room under zero, so that a flat zero line is drawn rather than clipped at the edge.
        y: { range: (_u, min, max) => { const top = max > 0 ? max * 1.1 : 1; return [Math.min(0, min) - top * 0.06, top]; } } },
      series: [{}, { label, stroke: color, width: 1.5, fill: `${color}22`, points: { show: false } }],
    },
    [xs, ys],
    target,
  );
}

export interface TrendSeries {
  readonly xs: number[];
  readonly value: (number | null)[];
  readonly predicted: (number | null)[];
  readonly lower: (number | null)[];
  readonly upper: (number | null)[];
  /** Epoch seconds of now: everything right of it is the forecast. */
  readonly nowSec: number;
  /** Epoch seconds of alarms to mark with a vertical red tick. */
  readonly marks: { at: number; label: string }[];
}

/**
 * Actual vs predicted with the expected band shaded (uPlot `bands` between upper and lower), a dashed line at
 * now (the forecast lies to its right) and alarm marks drawn in the `draw` hook.
 */
export function trendChart(target: HTMLElement, s: TrendSeries, width: number): uPlot {
  const drawOverlay = (u: uPlot): void => {
    const ctx = u.ctx;
    const top = u.bbox.top;
    const bottom = u.bbox.top + u.bbox.height;
    const line = (sec: number, color: string, dash: number[]): void => {
      const x = Math.round(u.valToPos(sec, 'x', true));
      if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) return;
      ctx.save();
      ctx.strokeStyle = color;
      ctx.setLineDash(dash);
      ctx.lineWidth = 1.5 * devicePixelRatio;
      ctx.beginPath();
      ctx.moveTo(x, top);
      ctx.lineTo(x, bottom);
      ctx.stroke();
      ctx.restore();
    };
    line(s.nowSec, '#555', [6, 4]);
    for (const m of s.marks) line(m.at, '#b00020', []);
  };
  return new uPlot(
    {
      width,
      height: 320,
      scales: { x: { time: true } },
      series: [
        {},
        { label: 'actual', stroke: '#1d5fa8', width: 2, points: { show: false } },
        { label: 'predicted', stroke: '#8a4b00', width: 1.5, dash: [4, 3], points: { show: false } },
        { label: 'lower', stroke: '#6b8e23', width: 1, points: { show: false } },
        { label: 'upper', stroke: '#6b8e23', width: 1, points: { show: false } },
      ],
      bands: [{ series: [4, 3], fill: 'rgba(107,142,35,0.18)' }],
      hooks: { draw: [drawOverlay] },
    },
    [s.xs, s.value, s.predicted, s.lower, s.upper],
    target,
  );
}

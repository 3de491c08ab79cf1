// The building view's chart: hourly consumption per meter kind against the temperature, with
// anomalies (red) and data-quality issues (orange) marked, redrawn from the series URL every few
// seconds. uPlot (served from the platform's node_modules) is the global `uPlot`.
(() => {
  const container = document.getElementById('chart');
  const status = document.getElementById('chart-status');
  if (container === null || status === null) return;
  const seriesUrl = container.dataset.series;
  const refreshMs = Number(container.dataset.refresh || '15') * 1000;
  const COLOURS = ['#1f77b4', '#2ca02c', '#9467bd', '#8c564b', '#17becf', '#7f7f7f'];
  let chart;
  let shape = '';
  let marks = { anomalies: [], issues: [] };

  /** Vertical lines at each mark's time, drawn over the plot. */
  const markPlugin = {
    hooks: {
      draw: [
        (u) => {
          const { ctx } = u;
          const { top, height } = u.bbox;
          const line = (t, colour) => {
            const x = Math.round(u.valToPos(t, 'x', true));
            if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) return;
            ctx.strokeStyle = colour;
            ctx.lineWidth = 2 * devicePixelRatio;
            ctx.beginPath();
            ctx.moveTo(x, top);
            ctx.lineTo(x, top + height);
            ctx.stroke();
          };
          ctx.save();
          for (const i of marks.issues) line(i.t, 'rgba(255,159,28,0.8)');
          for (const a of marks.anomalies) line(a.t, 'rgba(214,39,40,0.8)');
          ctx.restore();
        },
      ],
    },
  };

  function build(data) {
    const series = [{}];
    const scales = { x: { time: true }, y: {} };
    const axes = [{}, { label: 'consumption per hour' }];
    data.series.forEach((s, i) => {
      series.push({ label: s.label, stroke: COLOURS[i % COLOURS.length], width: 1.5, scale: 'y' });
    });
    if (data.temperature !== null) {
      scales.temp = {};
      axes.push({ scale: 'temp', side: 1, label: 'temperature °C', grid: { show: false } });
      series.push({ label: 'temperature (°C)', stroke: '#e377c2', dash: [6, 4], width: 1.5, scale: 'temp' });
    }
    const width = Math.max(320, container.clientWidth - 2);
    return new uPlot(
      { width, height: 320, series, scales, axes, plugins: [markPlugin] },
      columns(data),
      container,
    );
  }

  function columns(data) {
    const cols = [data.x, ...data.series.map((s) => s.values)];
    if (data.temperature !== null) cols.push(data.temperature);
    return cols;
  }

  async function refresh() {
    try {
      const response = await fetch(seriesUrl, { credentials: 'same-origin' });
      if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
      const data = await response.json();
      marks = { anomalies: data.anomalies, issues: data.issues };
      const nextShape = `${data.series.map((s) => s.label).join('|')}|${data.temperature !== null}`;
      if (chart === undefined || nextShape !== shape) {
        chart?.destroy();
        chart = build(data);
        shape = nextShape;
      } else {
        chart.setData(columns(data));
      }
      container.dataset.points = String(data.x.length);
      status.textContent = `${data.x.length} hours from ${data.from} to ${data.to}; ${data.anomalies.length} anomalies, ${data.issues.length} data-quality issues marked; updated ${new Date().toISOString()}.`;
    } catch (error) {
      status.textContent = `Chart not updated: ${error.message}`;
    }
  }

  refresh();
  setInterval(refresh, refreshMs);
})();

// Draws the rehearsal charts as inline SVG from the report data embedded in the page. No network, no library.
(function () {
  'use strict';
  var SVG = 'http://www.w3.org/2000/svg';
  var report = JSON.parse(document.getElementById('report-data').textContent);
  var COLORS = { control: '#3b6fb6', canary: '#e07b24', weight: '#7a3fb0', deltaS: '#b0307a', coverage: '#2a8f8f' };

  function el(name, attrs, parent, text) {
    var node = document.createElementNS(SVG, name);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    if (parent) parent.appendChild(node);
    return node;
  }

  function niceMax(value) {
    if (!(value > 0)) return 1;
    var magnitude = Math.pow(10, Math.floor(Math.log10(value)));
    var steps = [1, 2, 2.5, 5, 10];
    for (var i = 0; i < steps.length; i++) if (steps[i] * magnitude >= value) return steps[i] * magnitude;
    return 10 * magnitude;
  }

  // spec: {x: {min, max, labels?: [{at, text}], format}, y: {max, format}, series: [{name, color, points: [[x, y|null]], step, marks}],
  //        thresholds: [{value, label}]}
  function chart(container, spec) {
    var W = 560, H = 260, L = 58, R = 16, T = 14, B = 50;
    var svg = el('svg', { viewBox: '0 0 ' + W + ' ' + H, role: 'img', 'aria-label': container.getAttribute('data-title') || '' }, container);
    var xmin = spec.x.min, xmax = spec.x.max === spec.x.min ? spec.x.min + 1 : spec.x.max;
    var ymax = spec.y.max;
    function sx(x) { return L + (x - xmin) / (xmax - xmin) * (W - L - R); }
    function sy(y) { return T + (1 - y / ymax) * (H - T - B); }
    for (var i = 0; i <= 4; i++) {
      var v = ymax * i / 4;
      el('line', { x1: L, x2: W - R, y1: sy(v), y2: sy(v), 'class': 'grid' }, svg);
      el('text', { x: L - 6, y: sy(v) + 4, 'text-anchor': 'end' }, svg, spec.y.format(v));
    }
    el('line', { x1: L, x2: L, y1: T, y2: H - B, 'class': 'axis' }, svg);
    el('line', { x1: L, x2: W - R, y1: H - B, y2: H - B, 'class': 'axis' }, svg);
    (spec.x.labels || []).forEach(function (label) {
      el('text', { x: sx(label.at), y: H - B + 15, 'text-anchor': 'middle' }, svg, label.text);
    });
    if (spec.x.title) el('text', { x: (L + W - R) / 2, y: H - B + 32, 'text-anchor': 'middle' }, svg, spec.x.title);
    (spec.thresholds || []).forEach(function (t) {
      el('line', { x1: L, x2: W - R, y1: sy(t.value), y2: sy(t.value), 'class': 'threshold', stroke: t.color || '#b3261e' }, svg);
      el('text', { x: W - R - 4, y: sy(t.value) - 4, 'text-anchor': 'end', fill: t.color || '#b3261e' }, svg, t.label);
    });
    var legend = el('g', { 'class': 'legend' }, svg);
    spec.series.forEach(function (s, index) {
      var d = '', pen = false, last = null;
      s.points.forEach(function (p) {
        if (p[1] === null || p[1] === undefined) { pen = false; return; }
        var x = sx(p[0]), y = sy(Math.min(p[1], ymax));
        if (!pen) d += 'M' + x.toFixed(1) + ' ' + y.toFixed(1);
        else if (s.step) d += 'H' + x.toFixed(1) + 'V' + y.toFixed(1);
        else d += 'L' + x.toFixed(1) + ' ' + y.toFixed(1);
        pen = true; last = [x, y];
      });
      if (s.step && last && s.extendTo !== undefined) d += 'H' + sx(s.extendTo).toFixed(1);
      if (d) el('path', { d: d, fill: 'none', stroke: s.color, 'stroke-width': 2.2, 'class': 'series', 'data-series': s.name }, svg);
      if (s.marks !== false) {
        s.points.forEach(function (p) {
          if (p[1] === null || p[1] === undefined) return;
          var mark = el('circle', { cx: sx(p[0]), cy: sy(Math.min(p[1], ymax)), r: 3.2, fill: s.color, 'class': 'mark' }, svg);
          el('title', {}, mark, s.name + ': ' + spec.y.format(p[1]));
          var nearEnd = sx(p[0]) > W - R - 70;
          if (p[2]) el('text', { x: sx(p[0]) + (nearEnd ? -4 : 4), y: sy(Math.min(p[1], ymax)) - 6, 'class': 'point-label',
            'text-anchor': nearEnd ? 'end' : 'start' }, svg, p[2]);
        });
      }
      var lx = L + 8 + index * 150;
      el('rect', { x: lx, y: H - 14, width: 12, height: 4, fill: s.color }, legend);
      el('text', { x: lx + 17, y: H - 9 }, legend, s.name);
    });
    if (!spec.series.some(function (s) { return s.points.some(function (p) { return p[1] !== null && p[1] !== undefined; }); })) {
      el('text', { x: (L + W - R) / 2, y: (T + H - B) / 2, 'text-anchor': 'middle' }, svg, 'no data for this chart');
    }
    return svg;
  }

  function percent(v) {
    var p = v * 100;
    return (Math.abs(p - Math.round(p)) < 1e-9 ? p.toFixed(0) : p.toFixed(p < 10 ? 2 : 1)) + '%';
  }
  function ms(v) { return Math.round(v) + ' ms'; }
  function hours(seconds) { return (seconds / 3600).toFixed(1) + ' h'; }

  var stages = report.stages;
  var stageLabels = stages.map(function (s, i) {
    return { at: i, text: s.stage + (s.window === 'promotion' ? ' (promo)' : '') + (s.extensions ? ' +' + s.extensions : '') };
  });
  function perStage(get) { return stages.map(function (s, i) { var v = get(s); return [i, v === undefined ? null : v]; }); }
  var stageAxis = { min: -0.5, max: Math.max(stages.length - 0.5, 0.5), labels: stageLabels };

  var end = Math.max(report.virtualSeconds, report.weights.length ? report.weights[report.weights.length - 1].atSeconds : 0);
  var hourTicks = [];
  var tickStep = end > 8 * 3600 ? 7200 : 3600;
  for (var t = 0; t <= end; t += tickStep) hourTicks.push({ at: t, text: hours(t) });
  chart(document.querySelector('[data-chart=weight]'), {
    x: { min: 0, max: end || 1, labels: hourTicks, title: 'virtual time since start' },
    y: { max: Math.min(1, niceMax(Math.max.apply(null, report.weights.map(function (w) { return w.weight; }).concat([0.01])) * 1.15)),
         format: percent },
    series: [{ name: 'canary weight', color: COLORS.weight, step: true, extendTo: end,
      points: report.weights.map(function (w) { return [w.atSeconds, w.weight, w.stage]; }) }]
  });

  var latencies = [];
  stages.forEach(function (s) { [s.control, s.canary].forEach(function (v) { if (v && v.p95WarmMs) latencies.push(v.p95WarmMs); }); });
  chart(document.querySelector('[data-chart=latency]'), {
    x: stageAxis, y: { max: niceMax(Math.max.apply(null, latencies.concat([1])) * 1.1), format: ms },
    series: [
      { name: 'control p95 warm', color: COLORS.control, points: perStage(function (s) { return s.control && s.control.p95WarmMs; }) },
      { name: 'canary p95 warm', color: COLORS.canary, points: perStage(function (s) { return s.canary && s.canary.p95WarmMs; }) }]
  });

  var rates = [];
  stages.forEach(function (s) { [s.control, s.canary].forEach(function (v) { if (v && v.errorRate !== undefined && v.errorRate !== null) rates.push(v.errorRate); }); });
  chart(document.querySelector('[data-chart=errors]'), {
    x: stageAxis, y: { max: niceMax(Math.max.apply(null, rates.concat([0.001])) * 1.1), format: function (v) { return (v * 100).toFixed(2) + '%'; } },
    series: [
      { name: 'control error rate', color: COLORS.control, points: perStage(function (s) { return s.control && s.control.errorRate; }) },
      { name: 'canary error rate', color: COLORS.canary, points: perStage(function (s) { return s.canary && s.canary.errorRate; }) }]
  });

  chart(document.querySelector('[data-chart=quality]'), {
    x: stageAxis, y: { max: 1, format: function (v) { return v.toFixed(2); } },
    thresholds: [{ value: report.thresholds ? report.thresholds.deltaSMedianMax : 0.45, label: 'ΔS median max', color: COLORS.deltaS },
                 { value: report.thresholds ? report.thresholds.coverageMin : 0.70, label: 'coverage min', color: COLORS.coverage }],
    series: [
      { name: 'canary ΔS median', color: COLORS.deltaS, points: perStage(function (s) { return s.deltaSMedian; }) },
      { name: 'canary coverage', color: COLORS.coverage, points: perStage(function (s) { return s.coverageMean; }) }]
  });
  document.body.setAttribute('data-charts-rendered', String(document.querySelectorAll('.chart svg').length));
})();

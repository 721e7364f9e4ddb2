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

  // spec: {x: {min, max, labels?: [{at, text}], format}, y: {max, format}, tooFew?: legend text for hollow points,
  //        series: [{name, color, points: [[x, y|null, label?, tooFew?]], step, marks}],
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
    var labels = [];
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
          var tooFew = p[3] === true;
          var mark = el('circle', { cx: sx(p[0]), cy: sy(Math.min(p[1], ymax)), r: 3.2, fill: tooFew ? '#fff' : s.color,
            stroke: s.color, 'stroke-width': 1.5, 'class': tooFew ? 'mark too-few' : 'mark' }, svg);
          el('title', {}, mark, s.name + ': ' + spec.y.format(p[1]) + (tooFew ? ' (' + spec.tooFew + ')' : ''));
          if (p[2]) placeLabel(svg, labels, sx(p[0]), sy(Math.min(p[1], ymax)), p[2], sx(p[0]) > W - R - 70, H - B);
        });
      }
      var lx = L + 8 + index * 150;
      el('rect', { x: lx, y: H - 14, width: 12, height: 4, fill: s.color }, legend);
      el('text', { x: lx + 17, y: H - 9 }, legend, s.name);
    });
    if (spec.series.some(function (s) { return s.points.some(function (p) { return p[3] === true; }); })) {
      // A row above the series legend, right-aligned: charts with hollow points have no x-axis title there.
      el('circle', { cx: W - R - 4, cy: H - 27, r: 3.2, fill: '#fff', stroke: '#444', 'stroke-width': 1.5 }, legend);
      el('text', { x: W - R - 12, y: H - 23, 'text-anchor': 'end', 'class': 'too-few-legend' }, legend, spec.tooFew);
    }
    if (!spec.series.some(function (s) { return s.points.some(function (p) { return p[1] !== null && p[1] !== undefined; }); })) {
      el('text', { x: (L + W - R) / 2, y: (T + H - B) / 2, 'text-anchor': 'middle' }, svg, 'no data for this chart');
    }
    return svg;
  }

  // A point's label goes just above it or, where a label already placed is in the way (the first steps of the weight
  // chart are a few pixels apart), a line or two higher, else just below; a label with no free place is left out.
  function placeLabel(svg, placed, x, y, text, leftOfPoint, plotBottom) {
    var label = el('text', { x: x + (leftOfPoint ? -4 : 4), 'class': 'point-label', 'text-anchor': leftOfPoint ? 'end' : 'start' },
      svg, text);
    var width = (label.getComputedTextLength && label.getComputedTextLength()) || text.length * 6.5;
    var left = leftOfPoint ? x - 4 - width : x + 4;
    var baselines = [y - 6, y - 6 - LINE, y - 6 - 2 * LINE, y + 6 + LINE, y + 6 + 2 * LINE];
    for (var i = 0; i < baselines.length; i++) {
      var box = { left: left, right: left + width, top: baselines[i] - LINE, bottom: baselines[i] };
      if (box.top >= 0 && box.bottom <= plotBottom && !placed.some(function (other) { return overlaps(box, other); })) {
        label.setAttribute('y', baselines[i]);
        placed.push(box);
        return;
      }
    }
    svg.removeChild(label);
  }
  var LINE = 12;
  function overlaps(a, b) { return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom; }

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
      points: report.weights.map(function (w, i) {
        return [w.atSeconds, w.weight, i > 0 && report.weights[i - 1].stage === w.stage ? null : w.stage];
      }) }]
  });

  var latencies = [];
  stages.forEach(function (s) { [s.control, s.canary].forEach(function (v) { if (v && v.p95WarmMs) latencies.push(v.p95WarmMs); }); });
  // A p95 from fewer warm samples than the gate needs to judge latency is drawn hollow.
  var minSamples = report.thresholds ? report.thresholds.minWarmLatencySamples : 0;
  function p95(variant) {
    return perStage(function (s) { return s[variant] && s[variant].p95WarmMs; }).map(function (p, i) {
      var v = stages[i][variant];
      return [p[0], p[1], null, !!v && v.warmSamples !== undefined && v.warmSamples < minSamples];
    });
  }
  chart(document.querySelector('[data-chart=latency]'), {
    x: stageAxis, y: { max: niceMax(Math.max.apply(null, latencies.concat([1])) * 1.1), format: ms },
    tooFew: 'too few to judge (< ' + minSamples + ' warm samples)',
    series: [
      { name: 'control p95 warm', color: COLORS.control, points: p95('control') },
      { name: 'canary p95 warm', color: COLORS.canary, points: p95('canary') }]
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

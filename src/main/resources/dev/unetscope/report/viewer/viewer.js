// The report's viewer: two NiiVue instances (in distribution | the same patient under a shift) with linked cursors.
// Volumes arrive as scripts (volumes/NAME.js calls unetscopeVolume(name, base64 of NAME.nii.gz)) because browsers
// refuse fetch() of file:// URLs; NiiVue then reads each from its bytes. Health marks on <body> for a reader or a
// test: data-viewer-errors, data-viewer-draws (views finished), data-viewer-shown (what the last view showed),
// data-viewer-remote (resources the page loaded from anywhere but the file system), data-viewer-canvas (x,y,w,h of the left canvas).
(function () {
  'use strict';
  var M = JSON.parse(document.getElementById('viewer-manifest').textContent);
  var store = {}, scripts = {}, errors = 0, draws = 0, busy = Promise.resolve();
  var $ = function (id) { return document.getElementById(id); };
  function mark(k, v) { document.body.setAttribute('data-viewer-' + k, v); }
  function fail(msg) { errors++; mark('errors', errors); $('v-status').textContent = 'error: ' + msg; }
  window.addEventListener('error', function (e) { fail(e.message); });
  window.addEventListener('unhandledrejection', function (e) { fail(e.reason && e.reason.message ? e.reason.message : String(e.reason)); });
  mark('errors', 0);
  window.unetscopeVolume = function (name, b64) { store[name] = b64; };

  function script(name) {
    if (scripts[name]) return scripts[name];
    scripts[name] = new Promise(function (resolve, reject) {
      var s = document.createElement('script');
      s.src = 'viewer/volumes/' + name + '.js';
      s.onload = resolve;
      s.onerror = function () { reject(new Error('cannot load viewer/volumes/' + name + '.js')); };
      document.head.appendChild(s);
    });
    return scripts[name];
  }
  function bytes(name) {
    var s = atob(store[name]), a = new Uint8Array(s.length);
    for (var i = 0; i < s.length; i++) a[i] = s.charCodeAt(i);
    return a.buffer;
  }
  function remote() {
    return performance.getEntriesByType('resource').map(function (e) { return e.name; })
      .filter(function (u) { return !/^(file|data|blob):/.test(u); });
  }

  function make(id) {
    var v = new niivue.Niivue({ backColor: [0, 0, 0, 1], crosshairColor: [1, 1, 0, 1], show3Dcrosshair: true,
      multiplanarShowRender: niivue.SHOW_RENDER.ALWAYS, isColorbar: false, logLevel: 'error' });
    return v.attachTo(id).then(function () {
      v.setSliceType(v.sliceTypeMultiplanar);
      v.setInterpolation(true); // nearest: a coarse layer stays blocky, as it is
      return v;
    });
  }

  var left, right, shownCase = null;
  function ck() { return M.checkpoints.filter(function (c) { return c.id === $('v-checkpoint').value; })[0]; }
  function option(sel, value, text) { var o = document.createElement('option'); o.value = value; o.textContent = text; sel.appendChild(o); }
  function fillCases() {
    var set = M.sets.filter(function (s) { return s.name === $('v-set').value; })[0], sel = $('v-case'), keep = sel.value;
    sel.innerHTML = '';
    set.cases.forEach(function (c) { option(sel, c.id, c.id + ' (' + c.rank + ', IoU ' + (c.iou === null ? 'NaN' : c.iou.toFixed(3)) + ')'); });
    if (set.cases.some(function (c) { return c.id === keep; })) sel.value = keep;
  }
  function fillLayers() {
    var sel = $('v-layer'), keep = sel.value;
    sel.innerHTML = '';
    ck().layers.forEach(function (l) { option(sel, l.name, l.name + ' (stride ' + l.stride + ')'); });
    if (ck().layers.some(function (l) { return l.name === keep; })) sel.value = keep;
  }

  // the scan's script holds the scan and the ground truth's outline (once per scan), the checkpoint's the prediction's outline and the overlays
  function volumes(files) {
    var layer = $('v-layer').value, kind = $('v-kind').value, list = [{ name: files.scan + '_image', colormap: 'gray', opacity: 1 }];
    if (kind !== 'none') list.push({ name: files.volumes + '_' + layer.replace(/[^A-Za-z0-9._-]/g, '_') + '_' + kind, opacity: +$('v-opacity').value });
    if ($('v-outline').checked) {
      if (files.truth) list.push({ name: files.scan + '_truth', opacity: 1 });
      list.push({ name: files.volumes + '_prediction', opacity: 1 });
    }
    return Promise.all([script(files.scan), script(files.volumes)]).then(function () {
      return list.map(function (x) { return { url: x.name + '.nii.gz', name: x.name + '.nii.gz', buffer: bytes(x.name), colormap: x.colormap || 'gray', opacity: x.opacity }; });
    });
  }
  // NVImage.loadFromUrl reads the bytes given (Niivue.loadVolumes would fetch the url instead); then the pane's volumes are replaced
  function draw(v, files) {
    return volumes(files).then(function (list) {
      return Promise.all(list.map(function (o) { return niivue.NVImage.loadFromUrl(o); }));
    }).then(function (images) {
      v.volumes = [];
      images.forEach(function (im) { v.addVolume(im); });
    });
  }

  function show() {
    busy = busy.then(function () {
      var c = ck(), set = $('v-set').value, id = $('v-case').value, layer = $('v-layer').value;
      var files = M.files[c.id] || {}, ref = (files[M.reference] || {})[id], shifted = set === M.reference ? null : (files[set] || {})[id];
      var stride = c.layers.filter(function (l) { return l.name === layer; })[0].stride;
      $('v-status').textContent = 'loading ' + c.label + ', ' + set + ', ' + id + ' ...';
      $('cap-left').textContent = ref ? id + ', ' + M.reference + ' (in distribution)' : id + ': no in-distribution copy of this case';
      $('cap-right').textContent = shifted ? id + ', ' + set + ' (the same patient under this shift)' : '';
      $('pane-right').style.display = shifted ? '' : 'none';
      var jobs = [];
      var focused = ref || shifted || (files[set] || {})[id];
      var fresh = shownCase !== set + '|' + id;
      shownCase = set + '|' + id;
      if (ref) jobs.push(draw(left, ref));
      if (shifted) jobs.push(draw(right, shifted));
      else if (!ref) jobs.push(draw(left, (files[set] || {})[id]));
      return Promise.all(jobs).then(function () {
        // a new case starts with the cursor in the gland's centre (the ground truth's); both panes, the same place
        if (fresh && focused && focused.focus) [left, right].forEach(function (v) { v.scene.crosshairPos = focused.focus.slice(); v.drawScene(); });
        draws++;
        $('v-status').textContent = c.label + ' | ' + set + ' | ' + id + ' | layer ' + layer + ', stride ' + stride
          + ' (one overlay block = ' + stride + ' voxel' + (stride === '1' ? '' : 's') + ' per axis) | ' + $('v-kind').value;
        mark('draws', draws);
        mark('shown', [c.id, set, id, layer, $('v-kind').value].join('|'));
        mark('remote', remote().length);
        var r = $('gl-left').getBoundingClientRect();
        mark('canvas', [Math.round(r.left + scrollX), Math.round(r.top + scrollY), Math.round(r.width), Math.round(r.height)].join(','));
        // '#...&switch=LAYER': once the first view is drawn, choose LAYER in the chooser as a reader would (a test checks the canvas changes)
        if (h['switch'] && draws === 1) { $('v-layer').value = h['switch']; $('v-layer').dispatchEvent(new Event('change')); }
        // '#...&switchCheckpoint=ID': the same for the checkpoint chooser
        if (h.switchCheckpoint && draws === 1) { $('v-checkpoint').value = h.switchCheckpoint; $('v-checkpoint').dispatchEvent(new Event('change')); }
      });
    }).catch(function (e) { fail(e && e.message ? e.message : String(e)); });
    return busy;
  }

  function fromHash() {
    var h = {};
    location.hash.replace(/^#/, '').split('&').forEach(function (kv) { var p = kv.split('='); if (p[0]) h[p[0]] = decodeURIComponent(p[1] || ''); });
    return h;
  }
  function choose(sel, value) { if (value !== undefined && Array.from(sel.options).some(function (o) { return o.value === value; })) sel.value = value; }

  $('chosen-by').textContent = 'Cases: ' + M.chosenBy + '. Checkpoints: ' + M.checkpointsBy + '. ' + M.library + '.';
  // one chooser, the runs as groups and each run's steps in order, its final one marked
  var groups = {};
  M.checkpoints.forEach(function (c) {
    if (!groups[c.run]) { groups[c.run] = document.createElement('optgroup'); groups[c.run].label = c.run; $('v-checkpoint').appendChild(groups[c.run]); }
    option(groups[c.run], c.id, c.run + ' step ' + c.step + (c['final'] ? ' (final)' : ''));
  });
  M.sets.forEach(function (s) { option($('v-set'), s.name, s.name + (s.name === M.reference ? ' (in distribution)' : '')); });
  var h = fromHash();
  choose($('v-checkpoint'), h.checkpoint !== undefined ? h.checkpoint : M.defaultCheckpoint);
  var shiftedSet = M.sets.filter(function (s) { return s.name !== M.reference; })[0];
  choose($('v-set'), h.set !== undefined ? h.set : shiftedSet ? shiftedSet.name : M.reference);
  fillCases();
  choose($('v-case'), h['case']);
  fillLayers();
  choose($('v-layer'), h.layer);
  choose($('v-kind'), h.kind);
  if (h.opacity !== undefined) $('v-opacity').value = h.opacity;

  Promise.all([make('gl-left'), make('gl-right')]).then(function (vs) {
    left = vs[0];
    right = vs[1];
    left.broadcastTo(right, { '2d': true, '3d': true });
    right.broadcastTo(left, { '2d': true, '3d': true });
    $('v-checkpoint').onchange = function () { fillLayers(); show(); };
    $('v-set').onchange = function () { fillCases(); show(); };
    $('v-case').onchange = show;
    $('v-layer').onchange = show;
    $('v-kind').onchange = show;
    $('v-outline').onchange = show;
    $('v-opacity').oninput = function () {
      var o = +$('v-opacity').value;
      [left, right].forEach(function (v) { if ($('v-kind').value !== 'none' && v.volumes.length > 1) v.setOpacity(1, o); });
    };
    return show();
  }).catch(function (e) { fail(e && e.message ? e.message : String(e)); });
})();

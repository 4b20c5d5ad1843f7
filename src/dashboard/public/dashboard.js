/* NotifyX operations dashboard. Plain browser script (no build step), served from this origin so
 * helmet's Content-Security-Policy (script-src 'self') allows it; Chart.js comes from its npm
 * package through /dashboard/vendor/. Every figure comes from the public API with the key typed in. */
(function () {
  'use strict';

  var KEY_STORAGE = 'notifyx.dashboard.apiKey';
  var REFRESH_MS = 30000;
  var DAY_MS = 86400000;
  var COLORS = {
    delivered: '#1a7f4b', undelivered: '#dc6803', failed: '#b42318', other: '#98a2b3',
    queued: '#2f5bea', sending: '#7a5af8', sent: '#0ba5ec', blocked: '#475467', scheduled: '#c4b5fd', canceled: '#d0d5dd', expired: '#f79009',
  };

  var $ = function (id) { return document.getElementById(id); };
  var charts = {};
  var timer = null;
  var loading = false;
  var again = false;

  function setState(state, message, isError) {
    document.body.dataset.state = state;
    var status = $('status');
    status.textContent = message;
    status.classList.toggle('error', Boolean(isError));
  }

  function apiKey() { return sessionStorage.getItem(KEY_STORAGE) || ''; }

  /** GET with the key; resolves {ok, status, body}; never throws for HTTP errors. */
  function get(path) {
    return fetch(path, { headers: { 'x-api-key': apiKey(), accept: 'application/json' }, cache: 'no-store' })
      .then(function (response) {
        return response.json().catch(function () { return null; }).then(function (body) {
          return { ok: response.ok, status: response.status, body: body, retryAfter: response.headers.get('retry-after') };
        });
      });
  }

  function explain(result, what) {
    var message = result.body && result.body.message ? result.body.message : 'HTTP ' + result.status;
    if (result.status === 401) return 'The API key was refused: ' + message;
    // Queue depths are every project's traffic together: a project's key is not shown them.
    if (result.status === 403 && result.body && result.body.code === 'root_project_only') return what + ': shown to root project keys only';
    if (result.status === 403) return what + ' needs another scope: ' + message;
    if (result.status === 429) return 'Rate limited; try again in ' + (result.retryAfter || 'a few') + ' s';
    return what + ' failed: ' + message;
  }

  /** The report range as query parameters: a rolling window, or whole UTC days (to included). */
  function rangeQuery() {
    var choice = $('range').value;
    if (choice === 'custom') {
      var from = $('from').value;
      var to = $('to').value;
      if (!from || !to) return null;
      return 'from=' + from + '&to=' + to;
    }
    var now = Date.now();
    return 'from=' + new Date(now - Number(choice) * DAY_MS).toISOString() + '&to=' + new Date(now).toISOString();
  }

  function percent(rate) { return rate === null || rate === undefined ? '–' : (rate * 100).toFixed(1) + ' %'; }
  function count(n) { return typeof n === 'number' ? n.toLocaleString('en-US') : '–'; }
  function duration(ms) {
    if (ms === null || ms === undefined) return '–';
    if (ms < 1000) return Math.round(ms) + ' ms';
    if (ms < 120000) return (ms / 1000).toFixed(1) + ' s';
    if (ms < 7200000) return (ms / 60000).toFixed(1) + ' min';
    return (ms / 3600000).toFixed(1) + ' h';
  }

  function cell(row, text, className) {
    var td = document.createElement('td');
    td.textContent = text;
    if (className) td.className = className;
    row.appendChild(td);
    return td;
  }

  /** Replaces a table's rows; text only (textContent), so nothing from the API is ever parsed as HTML. */
  function fillTable(id, items, columns, emptyText) {
    var body = $(id).tBodies[0];
    body.replaceChildren();
    if (items.length === 0) {
      var row = body.insertRow();
      row.className = 'empty';
      cell(row, emptyText).colSpan = columns;
      return;
    }
    items.forEach(function (item) { item(body.insertRow()); });
  }

  function chart(id, config) {
    if (charts[id]) {
      charts[id].data = config.data;
      charts[id].update();
      return charts[id];
    }
    charts[id] = new window.Chart($(id), config);
    return charts[id];
  }

  function renderReport(byDay, byStatus) {
    var totals = byDay.totals;
    $('kpi-messages').textContent = count(totals.messages);
    $('kpi-delivered').textContent = count(totals.delivered);
    $('kpi-rate').textContent = percent(totals.deliveryRate);
    $('kpi-failed').textContent = count(totals.failed + totals.undelivered);
    $('kpi-blocked').textContent = count(totals.blocked);
    $('kpi-expired').textContent = count(totals.expired);
    $('kpi-pending').textContent = count(totals.pending);
    $('kpi-median').textContent = duration(totals.medianAcceptToDeliveredMs);

    var days = byDay.groups.map(function (group) { return group.key; });
    var series = function (pick) { return byDay.groups.map(pick); };
    chart('chart-volume', {
      type: 'bar',
      data: {
        labels: days,
        datasets: [
          { label: 'delivered', data: series(function (g) { return g.delivered; }), backgroundColor: COLORS.delivered },
          { label: 'undelivered', data: series(function (g) { return g.undelivered; }), backgroundColor: COLORS.undelivered },
          { label: 'failed', data: series(function (g) { return g.failed; }), backgroundColor: COLORS.failed },
          { label: 'other (pending, blocked, canceled, expired)',
            data: series(function (g) { return g.messages - g.delivered - g.undelivered - g.failed; }), backgroundColor: COLORS.other },
        ],
      },
      options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } },
    });
    chart('chart-rate', {
      type: 'line',
      data: {
        labels: days,
        datasets: [{
          label: 'delivery rate %', borderColor: COLORS.delivered, backgroundColor: COLORS.delivered, spanGaps: true,
          data: series(function (g) { return g.deliveryRate === null ? null : Math.round(g.deliveryRate * 1000) / 10; }),
        }],
      },
      options: { scales: { y: { min: 0, max: 100, ticks: { callback: function (v) { return v + ' %'; } } } } },
    });

    var statuses = byStatus.groups.filter(function (g) { return g.messages > 0; });
    chart('chart-status', {
      type: 'doughnut',
      data: {
        labels: statuses.map(function (g) { return g.key; }),
        datasets: [{
          data: statuses.map(function (g) { return g.messages; }),
          backgroundColor: statuses.map(function (g) { return COLORS[g.key] || COLORS.other; }),
        }],
      },
      options: { plugins: { legend: { position: 'right' } } },
    });

    var reasons = byDay.failureReasons;
    var top = reasons.slice(0, 8);
    chart('chart-failures', {
      type: 'bar',
      data: {
        labels: top.map(function (r) { return r.errorCode === null ? 'no code' : String(r.errorCode); }),
        datasets: [{ label: 'messages', data: top.map(function (r) { return r.count; }), backgroundColor: COLORS.failed }],
      },
      options: { indexAxis: 'y', plugins: { legend: { display: false } }, scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } },
    });

    var failures = reasons.reduce(function (sum, r) { return sum + r.count; }, 0);
    fillTable('failure-reasons', reasons.map(function (reason) {
      return function (row) {
        row.dataset.errorCode = reason.errorCode === null ? '' : String(reason.errorCode);
        cell(row, reason.errorCode === null ? '—' : String(reason.errorCode), 'code');
        cell(row, reason.title || '', 'reason');
        cell(row, reason.description || '', 'meaning');
        cell(row, count(reason.count), 'num');
        cell(row, failures ? (reason.count / failures * 100).toFixed(1) + ' %' : '–', 'num');
      };
    }), 5, 'No failed or undelivered messages in this range.');
  }

  function renderQueues(result) {
    if (!result.ok) {
      $('kpi-queue').textContent = '–';
      fillTable('queues', [], 4, explain(result, 'Queues'));
      return;
    }
    var snapshot = result.body;
    $('queues-at').textContent = snapshot.up ? 'as of ' + new Date(snapshot.at).toLocaleTimeString() : 'RabbitMQ unreachable';
    var main = snapshot.queues.filter(function (q) { return q.role === 'main'; })[0];
    $('kpi-queue').textContent = main ? count(main.messages) : '–';
    var dead = snapshot.queues.filter(function (q) { return q.role === 'dead'; })[0];
    if (dead) $('kpi-dead').textContent = count(dead.messages);
    fillTable('queues', snapshot.queues.map(function (queue) {
      return function (row) {
        row.dataset.role = queue.role;
        cell(row, queue.queue, 'mono');
        cell(row, queue.role);
        cell(row, count(queue.messages), 'num');
        cell(row, count(queue.consumers), 'num');
      };
    }), 4, snapshot.up ? 'No queues declared yet.' : 'RabbitMQ could not be reached.');
  }

  function renderDeadLetters(result) {
    if (!result.ok) {
      fillTable('dead-letters', [], 3, explain(result, 'Dead letters'));
      return;
    }
    fillTable('dead-letters', result.body.items.slice(0, 10).map(function (letter) {
      return function (row) {
        cell(row, new Date(letter.at).toLocaleString());
        cell(row, letter.reason);
        cell(row, letter.messageId || '(unprocessable command)', 'mono');
      };
    }), 3, 'Nothing parked.');
  }

  /** One load at a time; a change made while one runs (range, refresh) loads again right after it. */
  function load() {
    if (!apiKey()) return;
    if (loading) {
      again = true;
      return;
    }
    var range = rangeQuery();
    if (!range) return setState('error', 'Pick both days of the custom range.', true);
    loading = true;
    again = false;
    setState('loading', 'Loading…');
    var report = '/v1/reports/delivery?' + range;
    Promise.all([
      get(report + '&groupBy=day'),
      get(report + '&groupBy=status'),
      get('/v1/queues'),
      get('/v1/dead-letters?replayed=false&limit=200'),
    ]).then(function (results) {
      if (!again) show(results[0], results[1], results[2], results[3]);
    }).catch(function (error) {
      setState('error', 'Could not reach the API: ' + error.message, true);
    }).then(function () {
      loading = false;
      if (again) return load();
      // Tests (and curious people) can tell one finished load from the next.
      document.body.dataset.loads = String(Number(document.body.dataset.loads || 0) + 1);
    });
  }

  function show(byDay, byStatus, queues, deadLetters) {
    if (!byDay.ok || !byStatus.ok) return setState('error', explain(byDay.ok ? byStatus : byDay, 'The delivery report'), true);
    renderReport(byDay.body, byStatus.body);
    renderQueues(queues);
    renderDeadLetters(deadLetters);
    var span = function (iso) { return iso.slice(0, 16).replace('T', ' '); };
    setState('ready', 'Updated ' + new Date().toLocaleTimeString() + ' · ' + span(byDay.body.from) + ' → ' + span(byDay.body.to) + ' UTC');
  }

  function schedule() {
    clearInterval(timer);
    timer = $('auto-refresh').checked && apiKey() ? setInterval(load, REFRESH_MS) : null;
  }

  function connected(hasKey) {
    $('refresh').disabled = !hasKey;
    $('forget').hidden = !hasKey;
    $('api-key').value = '';
    $('api-key').placeholder = hasKey ? 'key set for this tab' : 'x-api-key (messages:read)';
    $('api-key').required = !hasKey;
  }

  function start() {
    if (!window.Chart) return setState('error', 'Chart.js did not load from /dashboard/vendor/.', true);
    window.Chart.defaults.animation = false;
    window.Chart.defaults.maintainAspectRatio = false;
    var today = new Date().toISOString().slice(0, 10);
    $('to').value = today;
    $('from').value = new Date(Date.now() - 6 * DAY_MS).toISOString().slice(0, 10);

    $('key-form').addEventListener('submit', function (event) {
      event.preventDefault();
      var key = $('api-key').value.trim();
      if (!key) return;
      sessionStorage.setItem(KEY_STORAGE, key);
      connected(true);
      schedule();
      load();
    });
    $('forget').addEventListener('click', function () {
      sessionStorage.removeItem(KEY_STORAGE);
      connected(false);
      schedule();
      setState('locked', 'Enter an API key to load the figures.');
    });
    $('range').addEventListener('change', function () {
      $('custom-range').hidden = $('range').value !== 'custom';
      load();
    });
    $('from').addEventListener('change', load);
    $('to').addEventListener('change', load);
    $('refresh').addEventListener('click', load);
    $('auto-refresh').addEventListener('change', schedule);

    connected(Boolean(apiKey()));
    schedule();
    load();
  }

  document.addEventListener('DOMContentLoaded', start);
})();

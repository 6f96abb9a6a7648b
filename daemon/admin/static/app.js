/* dsco-lingxing admin UI: plain JS over the JSON API under /admin/api/ (SPEC §8).
 *
 * Safety rule: data from the API reaches the page only as text — through el() or setText(),
 * which use textContent — or as form values. Nothing here parses HTML. */
"use strict";

(() => {
  const API = "/admin/api";
  const STATUS = {
    1: "pulled, to push to Lingxing",
    2: "in Lingxing, to ACK",
    3: "to ship to DSCO",
    4: "to invoice to DSCO",
    5: "done",
    6: "cancelled",
  };
  const state = {
    csrf: "",
    tz: "UTC",
    domain: "dsco_lingxing",
    configVersion: null,
    order: null,
    offsets: { orders: 0, sync: 0 },
    totals: { orders: 0, sync: 0 },
  };
  const $ = (sel) => document.querySelector(sel);

  // ---- DOM helpers: the only places that put API data into the page -------------------------

  function el(tag, text, cls) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (cls) node.className = cls;
    return node;
  }

  function setText(sel, text) {
    $(sel).textContent = text === undefined || text === null ? "" : String(text);
  }

  function fillTable(sel, rows) {
    const body = $(sel).tBodies[0];
    body.replaceChildren(...rows.map(rowOf));
  }

  function rowOf(cells) {
    const tr = el("tr");
    tr.append(...cells.map((c) => el("td", c)));
    return tr;
  }

  function flash(message, isError) {
    setText("#flash", message);
    $("#flash").className = isError ? "error" : "ok";
    $("#flash").hidden = !message;
  }

  // ---- formatting ---------------------------------------------------------------------------

  let timeFormat = null;

  function formatter() {
    if (!timeFormat) {
      timeFormat = new Intl.DateTimeFormat("en-CA", {
        timeZone: state.tz, hourCycle: "h23", year: "numeric", month: "2-digit",
        day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit",
      });
    }
    return timeFormat;
  }

  function zoneParts(ms) {
    const parts = {};
    for (const p of formatter().formatToParts(new Date(ms))) parts[p.type] = p.value;
    return parts;
  }

  /** Unix seconds → "YYYY-MM-DD HH:MM:SS" in the display time zone ("" for none). */
  function fmtTime(ts) {
    if (!ts) return "";
    const p = zoneParts(ts * 1000);
    const hour = String(Number(p.hour) % 24).padStart(2, "0"); // some engines say "24" at midnight
    return `${p.year}-${p.month}-${p.day} ${hour}:${p.minute}:${p.second}`;
  }

  function zoneOffsetMs(ms) {
    const p = zoneParts(ms);
    const asUtc = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour % 24, +p.minute, +p.second);
    return asUtc - Math.floor(ms / 1000) * 1000;
  }

  /** A datetime-local value, read as wall time in the display time zone → unix seconds. */
  function toUnix(local) {
    if (!local) return null;
    const [date, time] = local.split("T");
    const [y, m, d] = date.split("-").map(Number);
    const [hh, mm, ss] = time.split(":").map(Number);
    const wall = Date.UTC(y, m - 1, d, hh, mm, ss || 0);
    let ms = wall - zoneOffsetMs(wall);
    ms = wall - zoneOffsetMs(ms); // second pass settles instants next to a DST change
    return Math.floor(ms / 1000);
  }

  function fmtCounters(counters) {
    return Object.entries(counters || {}).map(([k, v]) => `${k}=${v}`).join(", ");
  }

  function fmtDuration(ms) {
    return ms === undefined || ms === null ? "" : `${(ms / 1000).toFixed(1)} s`;
  }

  // ---- the API ------------------------------------------------------------------------------

  class ApiError extends Error {
    constructor(status, error) {
      super(error.message || `HTTP ${status}`);
      this.status = status;
      this.error = error;
    }
  }

  async function api(method, path, body) {
    const opts = { method, credentials: "same-origin", headers: { Accept: "application/json" } };
    if (method !== "GET") {
      opts.headers["Content-Type"] = "application/json";
      opts.headers["X-CSRF-Token"] = state.csrf;
      opts.body = JSON.stringify(body || {});
    }
    const resp = await fetch(API + path, opts);
    let data = null;
    try {
      data = await resp.json();
    } catch (_) {
      data = null;
    }
    if (resp.ok) return data;
    const error = (data && data.error) || { code: `http_${resp.status}`, message: resp.statusText };
    const err = new ApiError(resp.status, error);
    if (resp.status === 401 && path !== "/login") {
      showLogin("Your session ended; log in again.");
      err.handled = true; // already shown: the login view says why
    }
    throw err;
  }

  function describe(err) {
    if (!(err instanceof ApiError)) return String(err.message || err);
    if (err.error.code === "already_running") return `Already running: ${err.message}`;
    return `${err.message} (${err.error.code})`;
  }

  /** Wrap an event handler: report any failure in the flash line instead of losing it. */
  function guard(fn) {
    return async (event) => {
      if (event && event.type === "submit") event.preventDefault();
      try {
        await fn(event);
      } catch (err) {
        if (!err.handled) flash(describe(err), true);
      }
    };
  }

  // ---- views --------------------------------------------------------------------------------

  const VIEWS = ["login", "dashboard", "config", "tasks", "orders", "sync"];
  const LOADERS = {
    dashboard: () => loadDashboard(),
    config: () => loadConfig(),
    tasks: () => loadDashboard(),
    orders: () => loadOrders(),
    sync: () => loadSync(true),
  };

  function showOnly(view) {
    for (const name of VIEWS) $(`#view-${name}`).hidden = name !== view;
    $("#top").hidden = view === "login";
    for (const b of document.querySelectorAll("nav [data-view]")) {
      b.classList.toggle("active", b.dataset.view === view);
    }
  }

  async function show(view) {
    flash("");
    showOnly(view);
    await LOADERS[view]();
  }

  function showLogin(message, isError = true) {
    state.csrf = "";
    showOnly("login");
    flash(message || "", isError);
    $("#login-form").elements.password.focus();
  }

  // ---- login / logout -----------------------------------------------------------------------

  async function login() {
    const form = $("#login-form");
    try {
      const body = await api("POST", "/login", { password: form.elements.password.value });
      state.csrf = body.csrf_token;
    } finally {
      form.elements.password.value = "";
    }
    await show("dashboard");
  }

  async function logout() {
    await api("POST", "/logout", {});
    showLogin("Logged out.", false);
  }

  // ---- dashboard ----------------------------------------------------------------------------

  function setZone(tz) {
    if (tz && tz !== state.tz) {
      state.tz = tz;
      timeFormat = null;
    }
    setText("#tz-name", state.tz);
  }

  async function loadDashboard() {
    const d = await api("GET", "/dashboard");
    setZone(d.display_timezone);
    state.domain = d.config.domain || state.domain;
    const c = d.config;
    setText("#dash-config",
      `Runtime config (${c.domain}) version ${c.version}, updated ${fmtTime(c.updated_at)}`);
    const statusRows = Object.keys(STATUS).map((s) => [s, STATUS[s], d.orders[s] || 0]);
    statusRows.push(["", "total", d.orders_total]);
    fillTable("#dash-orders", statusRows);
    fillTable("#dash-jobs", d.jobs.map(jobCells));
    const running = d.jobs.filter((j) => j.running).map((j) => j.job);
    setText("#dash-running", running.length ? `Running now: ${running.join(", ")}` : "Idle.");
    fillJobSelect(d.jobs.map((j) => j.job));
    showInstances(d.instances || []);
  }

  function showInstances(instances) {
    fillTable("#dash-instances", instances.map((i) => [
      i.this ? `${i.instance_id} (this one)` : i.instance_id, i.host, String(i.pid),
      i.runs_schedule ? "runs the schedule" : (i.stopped_at ? "stopped" : "standby"),
      fmtTime(i.started_at), fmtTime(i.last_seen),
    ]));
    const leader = instances.find((i) => i.runs_schedule);
    setText("#dash-schedule", leader
      ? `The schedule runs on ${leader.instance_id}.`
      : "No instance runs the schedule right now.");
  }

  function jobCells(j) {
    const last = j.last_result || {};
    return [
      j.job, j.enable ? "yes" : "no", j.cron, j.running ? `yes (${j.run_id || ""})` : "no",
      fmtTime(j.next_fire), fmtTime(last.started_at), last.status || "",
      fmtDuration(last.duration_ms), fmtCounters(last.counters), last.error || "",
    ];
  }

  function fillJobSelect(names) {
    const select = $("#job-select");
    const current = select.value;
    select.replaceChildren(...names.map((name) => el("option", name)));
    if (names.includes(current)) select.value = current;
  }

  // ---- config editor ------------------------------------------------------------------------

  async function loadConfig() {
    const c = await api("GET", `/config/runtime?domain=${encodeURIComponent(state.domain)}`);
    showConfig(c);
  }

  function showConfig(c) {
    state.configVersion = c.version;
    $("#config-text").value = JSON.stringify(c.config, null, 2);
    setText("#config-meta", `Version ${c.version}, updated ${fmtTime(c.updated_at)}`);
    $("#config-errors").replaceChildren();
  }

  function showConfigErrors(lines) {
    $("#config-errors").replaceChildren(...lines.map((line) => el("li", line)));
  }

  async function saveConfig() {
    let config;
    try {
      config = JSON.parse($("#config-text").value);
    } catch (err) {
      showConfigErrors([`Not valid JSON: ${err.message}`]);
      return;
    }
    const body = { config, expected_version: state.configVersion };
    const domain = encodeURIComponent(state.domain);
    try {
      showConfig(await api("PUT", `/config/runtime?domain=${domain}`, body));
      flash("Saved.");
    } catch (err) {
      if (!(err instanceof ApiError) || err.handled) throw err;
      const fields = (err.error.errors || []).map((e) => `${e.path}: ${e.reason}`);
      if (err.status === 409) fields.push(`${describe(err)}: reload, then edit again.`);
      showConfigErrors(fields.length ? fields : [describe(err)]);
      flash("Not saved.", true);
    }
  }

  // ---- tasks --------------------------------------------------------------------------------

  function addResults(results) {
    const body = $("#run-results").tBodies[0];
    for (const r of results) {
      body.prepend(rowOf([
        r.job, r.trigger, r.po_number || "", fmtTime(r.started_at), r.status,
        fmtDuration(r.duration_ms), fmtCounters(r.counters), r.error || "", r.run_id,
      ]));
    }
  }

  /** Run a POST that answers a RunResult; a 409 still shows the refused run. */
  async function runTask(path, body, label) {
    flash(`Running ${label}…`);
    try {
      const result = await api("POST", path, body);
      const runs = result.results || [result.result || result];
      addResults(runs);
      flash(`${label}: ${runs.map((r) => `${r.job} ${r.status}`).join(", ")}`);
      return result;
    } catch (err) {
      if (err instanceof ApiError && err.status === 409 && err.error.result) {
        addResults([err.error.result]);
      }
      throw err;
    }
  }

  async function runOne() {
    const job = $("#job-select").value;
    await runTask("/jobs/run_one", { job }, job);
  }

  async function runPipeline() {
    await runTask("/jobs/run", { jobs: [] }, "the pipeline");
  }

  async function pull() {
    const f = $("#pull-form").elements;
    const range = { start: toUnix(f.start.value), end: toUnix(f.end.value) };
    await runTask("/orders/pull", range, "pull");
  }

  async function checkOrders() {
    const f = $("#check-form").elements;
    const po = f.po_number.value.trim();
    const range = { start: toUnix(f.start.value), end: toUnix(f.end.value) };
    const body = po ? { po_number: po } : range;
    await runTask("/orders/check", body, "check_orders");
  }

  // ---- list filters, paging, CSV links ------------------------------------------------------

  const TIME_FIELDS = new Set(["start", "end"]);
  const CSV = { orders: "/export/orders.csv", sync: "/export/warehouse-sync.csv" };

  /** The filter form as query parameters (times converted to unix seconds, blanks dropped). */
  function filterParams(formSel) {
    const params = new URLSearchParams();
    for (const field of $(formSel).elements) {
      if (!field.name || field.name === "limit") continue;
      const raw = field.value.trim();
      if (!raw) continue;
      params.set(field.name, TIME_FIELDS.has(field.name) ? String(toUnix(raw)) : raw);
    }
    return params;
  }

  function pageLimit(formSel) {
    const n = Number($(formSel).elements.limit.value);
    return Number.isInteger(n) && n >= 1 && n <= 500 ? n : 50;
  }

  function pageParams(kind, formSel) {
    const params = filterParams(formSel);
    $(`#${kind}-csv`).href = `${API}${CSV[kind]}?${params}`;
    params.set("offset", String(state.offsets[kind]));
    params.set("limit", String(pageLimit(formSel)));
    return params;
  }

  function showRange(kind, offset, count, total) {
    const text = count ? `${offset + 1}–${offset + count} of ${total}` : `0 of ${total}`;
    setText(`#${kind}-range`, text);
    state.totals[kind] = total;
  }

  async function turnPage(event) {
    const kind = event.target.dataset.page;
    const limit = pageLimit(kind === "orders" ? "#orders-filter" : "#sync-filter");
    const next = state.offsets[kind] + Number(event.target.dataset.dir) * limit;
    if (next < 0 || next >= state.totals[kind]) return;
    state.offsets[kind] = next;
    await (kind === "orders" ? loadOrders() : loadSync(false));
  }

  // ---- orders -------------------------------------------------------------------------------

  async function loadOrders() {
    const page = await api("GET", `/orders?${pageParams("orders", "#orders-filter")}`);
    showRange("orders", page.offset, page.orders.length, page.total);
    const body = $("#orders-table").tBodies[0];
    body.replaceChildren(...page.orders.map(orderRow));
  }

  function orderRow(o) {
    const tr = rowOf([
      o.po_number, `${o.status} ${STATUS[o.status] || ""}`, o.dsco_status, o.dsco_retailer_id,
      o.warehouse_id, o.shipment, (o.mskus || []).join(" "), o.shipped_tracking_no,
      o.dsco_invoice_id, fmtTime(o.dsco_create_time), fmtTime(o.updated_at),
    ]);
    tr.dataset.po = o.po_number;
    tr.tabIndex = 0;
    return tr;
  }

  async function openOrder(po) {
    const o = await api("GET", `/orders/${encodeURIComponent(po)}`);
    state.order = o;
    setText("#order-po", o.po_number);
    const fields = $("#order-fields");
    fields.replaceChildren();
    for (const [key, value] of Object.entries(o)) {
      if (key === "payload") continue;
      const shown = key.endsWith("_time") || key.endsWith("_at") ? fmtTime(value) : value;
      fields.append(el("dt", key), el("dd", Array.isArray(shown) ? shown.join(" ") : shown));
    }
    $("#order-status-form").elements.status.value = String(o.status);
    setText("#order-payload", JSON.stringify(o.payload, null, 2));
    $("#order-detail").hidden = false;
    $("#order-detail").scrollIntoView({ block: "nearest" });
  }

  async function clickOrder(event) {
    const tr = event.target.closest("tr[data-po]");
    if (!tr || (event.type === "keydown" && event.key !== "Enter")) return;
    await openOrder(tr.dataset.po);
  }

  async function saveStatus() {
    const po = state.order.po_number;
    const status = Number($("#order-status-form").elements.status.value);
    const r = await api("PUT", `/orders/${encodeURIComponent(po)}/status`, { status });
    await Promise.all([openOrder(po), loadOrders()]);
    flash(`${r.po_number}: status ${r.old_status} → ${r.status}`);
  }

  async function runOrder() {
    const po = state.order.po_number;
    const r = await runTask(`/orders/${encodeURIComponent(po)}/run`, {}, `${po}`);
    await Promise.all([openOrder(po), loadOrders()]);
    flash(`${po}: ${r.job} ${r.result.status}; status ${r.status_before} → ${r.status_after}`);
  }

  // ---- warehouse sync -----------------------------------------------------------------------

  async function loadSync(withOptions) {
    const page = await api("GET", `/warehouse-sync?${pageParams("sync", "#sync-filter")}`);
    showRange("sync", page.offset, page.rows.length, page.total);
    fillTable("#sync-table", page.rows.map((r) => [
      fmtTime(r.sync_time), r.dsco_warehouse_id, r.dsco_warehouse_sku, r.dsco_warehouse_num,
      r.lingxing_warehouse_id, r.lingxing_warehouse_sku, r.lingxing_warehouse_num, r.diff,
      r.status === 1 ? "ok" : "failed", r.reason,
    ]));
    if (withOptions) await loadSyncOptions();
  }

  async function loadSyncOptions() {
    const o = await api("GET", "/warehouse-sync/options");
    const options = (values) => values.map((v) => {
      const option = el("option");
      option.value = String(v);
      return option;
    });
    $("#sync-warehouses").replaceChildren(...options(o.warehouse_ids || []));
    $("#sync-skus").replaceChildren(...options(o.skus || []));
  }

  function searchFrom(kind) {
    return async () => {
      state.offsets[kind] = 0;
      await (kind === "orders" ? loadOrders() : loadSync(false));
    };
  }

  // ---- wiring -------------------------------------------------------------------------------

  function wire() {
    for (const b of document.querySelectorAll("nav [data-view]")) {
      b.addEventListener("click", guard(() => show(b.dataset.view)));
    }
    for (const b of document.querySelectorAll("[data-page]")) {
      b.addEventListener("click", guard(turnPage));
    }
    const statusSelect = $("#order-status-form").elements.status;
    statusSelect.replaceChildren(...Object.keys(STATUS).map((s) => {
      const option = el("option", `${s} ${STATUS[s]}`);
      option.value = s;
      return option;
    }));
    const on = (sel, type, fn) => $(sel).addEventListener(type, guard(fn));
    on("#login-form", "submit", login);
    on("#logout", "click", logout);
    on("#dash-refresh", "click", loadDashboard);
    on("#config-save", "click", saveConfig);
    on("#config-reload", "click", loadConfig);
    on("#run-one-form", "submit", runOne);
    on("#run-pipeline", "click", runPipeline);
    on("#pull-form", "submit", pull);
    on("#check-form", "submit", checkOrders);
    on("#orders-filter", "submit", searchFrom("orders"));
    on("#sync-filter", "submit", searchFrom("sync"));
    on("#orders-table", "click", clickOrder);
    on("#orders-table", "keydown", clickOrder);
    on("#order-status-form", "submit", saveStatus);
    on("#order-run", "click", runOrder);
    $("#order-close").addEventListener("click", () => { $("#order-detail").hidden = true; });
  }

  async function start() {
    wire();
    try {
      state.csrf = (await api("GET", "/session")).csrf_token;
    } catch (_) {
      showLogin();
      return;
    }
    await guard(() => show("dashboard"))();
  }

  document.addEventListener("DOMContentLoaded", start);
})();

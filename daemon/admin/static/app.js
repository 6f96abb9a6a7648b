/* dsco-lingxing admin UI: plain JS over the JSON API under /admin/api/.
 *
 * Safety rule: data from the API reaches the page only as text — through el() or setText(),
 * which use textContent — or as form values. Nothing here parses HTML. */
"use strict";

(() => {
  const API = "/admin/api";
  const STATUS = {
    1: ["pulled", "to push to Lingxing", "info"],
    2: ["in Lingxing", "to acknowledge in DSCO", "info"],
    3: ["acknowledged", "to ship in DSCO", "info"],
    4: ["shipped", "to invoice in DSCO", "info"],
    5: ["done", "invoiced", "good"],
    6: ["cancelled", "cancelled in DSCO", "idle"],
  };
  const ACTIVE = new Set(["1", "2", "3", "4"]);
  const STUCK_AFTER = 86400; // an active order waiting longer than a day is flagged
  const REFRESH_MS = 15000;
  const state = {
    csrf: "",
    tz: "UTC",
    domain: "dsco_lingxing",
    config: null,
    configVersion: null,
    order: null,
    view: "login",
    // The pages walked so far (their cursor and first row number) and the next one, if any:
    // lists page by cursor, so "Previous" goes back through this stack.
    pages: { orders: [{ cursor: null, start: 0 }], sync: [{ cursor: null, start: 0 }] },
    next: { orders: null, sync: null },
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
    for (const node of document.querySelectorAll(sel)) {
      node.textContent = text === undefined || text === null ? "" : String(text);
    }
  }

  function fillTable(sel, rows) {
    const body = $(sel).tBodies[0];
    body.replaceChildren(...rows.map(rowOf));
  }

  /** A cell is text, or {text, cls}, or a node (or list of nodes) already built. */
  function cellOf(c) {
    if (c instanceof Node) return wrap(c);
    if (Array.isArray(c)) return wrap(...c);
    if (c && typeof c === "object") return el("td", c.text, c.cls);
    return el("td", c);
  }

  function wrap(...nodes) {
    const td = el("td");
    td.append(...nodes);
    return td;
  }

  function rowOf(cells) {
    const tr = el("tr");
    tr.append(...cells.map(cellOf));
    return tr;
  }

  const id = (text) => ({ text, cls: "id" });
  const time = (ts) => ({ text: fmtTime(ts), cls: "time" });
  const num = (n) => ({ text: n, cls: "num" });

  function badge(text, kind) {
    return el("span", text, `badge ${kind}`);
  }

  function statusBadge(s) {
    const [name, , kind] = STATUS[s] || [`status ${s}`, "", "idle"];
    return badge(`${s} ${name}`, kind);
  }

  function flash(message, kind) {
    setText("#flash", message);
    $("#flash").className = kind === true ? "error" : kind || "ok";
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

  /** Seconds → "3 d 4 h", "2 h 5 min", "12 min", "40 s". */
  function fmtAge(seconds) {
    if (seconds === null || seconds === undefined) return "";
    const s = Math.max(0, Math.floor(seconds));
    const d = Math.floor(s / 86400);
    const h = Math.floor((s % 86400) / 3600);
    const m = Math.floor((s % 3600) / 60);
    if (d) return `${d} d ${h} h`;
    if (h) return `${h} h ${m} min`;
    if (m) return `${m} min`;
    return `${s} s`;
  }

  function zoneOffsetMs(ms) {
    const p = zoneParts(ms);
    const asUtc = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour % 24, +p.minute, +p.second);
    return asUtc - Math.floor(ms / 1000) * 1000;
  }

  /** A datetime-local value, read as wall time in the display time zone → unix seconds. */
  function toUnix(local) {
    if (!local) return null;
    const [date, clock] = local.split("T");
    const [y, m, d] = date.split("-").map(Number);
    const [hh, mm, ss] = clock.split(":").map(Number);
    const wall = Date.UTC(y, m - 1, d, hh, mm, ss || 0);
    let ms = wall - zoneOffsetMs(wall);
    ms = wall - zoneOffsetMs(ms); // second pass settles instants next to a DST change
    return Math.floor(ms / 1000);
  }

  function fmtCounters(counters) {
    return Object.entries(counters || {}).map(([k, v]) => `${k}=${v}`).join(" ");
  }

  function fmtDuration(ms) {
    return ms === undefined || ms === null ? "" : `${(ms / 1000).toFixed(1)} s`;
  }

  // ---- run outcomes in plain words ----------------------------------------------------------

  function plainError(error) {
    if (!error) return "no reason was given; see the log";
    const m = /^([A-Z][A-Za-z]*(?:Error|Exception|Timeout)): ([\s\S]*)$/.exec(error);
    return m ? `unexpected ${m[1]}: ${m[2]} (details in the log)` : error;
  }

  /** {label, kind, reason} for a RunResult (or none yet). */
  function outcome(r) {
    if (!r) return { label: "not run yet", kind: "idle", reason: "" };
    const failedOrders = (r.counters || {}).fail || 0;
    switch (r.status) {
      case "ok":
        return failedOrders
          ? { label: `ok, ${failedOrders} order(s) failed`, kind: "warn",
            reason: "some orders failed; open them to read why" }
          : { label: "ok", kind: "good", reason: "" };
      case "failed":
        return { label: "failed", kind: "bad", reason: plainError(r.error) };
      case "timeout":
        return { label: "timed out", kind: "bad", reason: r.error || "the run took too long" };
      case "aborted":
        return { label: "aborted", kind: "bad",
          reason: "the run lost its database lock and was stopped; it will run again" };
      case "already_running":
        return { label: "not started", kind: "idle", reason: "it was already running" };
      case "disabled":
        return { label: "disabled", kind: "idle", reason: "the job is switched off" };
      default:
        return { label: r.status, kind: "idle", reason: r.error || "" };
    }
  }

  function outcomeCell(r) {
    const o = outcome(r);
    const nodes = [badge(o.label, o.kind)];
    if (o.reason && o.kind === "bad") nodes.push(el("span", o.reason, "reason"));
    else if (o.reason) nodes.push(el("span", ` ${o.reason}`, "muted"));
    return nodes;
  }

  // ---- the API ------------------------------------------------------------------------------

  class ApiError extends Error {
    constructor(status, error) {
      super(error.message || `HTTP ${status}`);
      this.status = status;
      this.error = error;
    }
  }

  /** Call the API; a string body is sent as is (the JSON view keeps duplicate keys for the
   * server to refuse, which JSON.parse would silently drop). */
  async function api(method, path, body) {
    const opts = { method, credentials: "same-origin", headers: { Accept: "application/json" } };
    if (method !== "GET") {
      opts.headers["Content-Type"] = "application/json";
      opts.headers["X-CSRF-Token"] = state.csrf;
      opts.body = typeof body === "string" ? body : JSON.stringify(body || {});
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
    if (err.status === 429) return err.message;
    return err.message;
  }

  /** Wrap an event handler: clear the last message first, report any failure in its place. */
  function guard(fn) {
    return async (event) => {
      if (event && event.type === "submit") event.preventDefault();
      flash("");
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
    state.view = view;
    for (const name of VIEWS) $(`#view-${name}`).hidden = name !== view;
    $("#top").hidden = view === "login";
    for (const b of document.querySelectorAll("nav [data-view]")) {
      b.classList.toggle("active", b.dataset.view === view);
    }
  }

  async function show(view) {
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
    setText(".tz-name", state.tz);
  }

  async function loadDashboard() {
    const d = await api("GET", "/dashboard");
    setZone(d.display_timezone);
    state.domain = d.config.domain || state.domain;
    const c = d.config;
    setText("#dash-config",
      `Runtime config version ${c.version}, saved ${fmtTime(c.updated_at)}`);
    setText("#dash-updated", `Updated ${fmtTime(d.now)}`);
    const rows = (d.statuses || []).map(statusRow);
    rows.push([el("strong", "all"), num(d.orders_total), "", "", ""]);
    fillTable("#dash-orders", rows);
    const body = $("#dash-jobs").tBodies[0];
    body.replaceChildren(...d.jobs.map(jobRow));
    const running = d.jobs.filter((j) => j.running).map((j) => j.job);
    setText("#dash-running", running.length ? `Running now: ${running.join(", ")}` : "No job is running.");
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

  function statusRow(s) {
    const key = String(s.status);
    const stuck = ACTIVE.has(key) && s.oldest_age_seconds > STUCK_AFTER;
    const age = s.count ? fmtAge(s.oldest_age_seconds) : "";
    const waiting = stuck ? [badge("stuck", "warn"), el("span", ` ${age}`)] : age;
    return [
      [statusBadge(s.status), el("span", ` ${STATUS[key] ? STATUS[key][1] : ""}`, "muted")],
      num(s.count), time(s.oldest_since), waiting,
      s.repeatedly_skipped ? [badge("look", "warn"), el("span", ` ${s.repeatedly_skipped}`)] : "",
    ];
  }

  function jobRow(j) {
    const last = j.last_result;
    const schedule = j.enable ? [badge("on", "good"), el("span", ` ${j.cron}`, "mono")]
      : [badge("off", "idle"), el("span", ` ${j.cron}`, "mono muted")];
    const lastRun = j.running ? [badge("running", "info"), el("span", ` ${j.run_id || ""}`, "mono")]
      : time(last && last.started_at);
    const success = j.last_success ? time(j.last_success.started_at)
      : { text: last ? "none since the daemon started" : "", cls: "muted" };
    const tr = rowOf([
      id(j.job), schedule, time(j.next_fire), lastRun, outcomeCell(last),
      id(last ? fmtCounters(last.counters) : ""), success,
    ]);
    if (outcome(last).kind === "bad") tr.className = "failed";
    return tr;
  }

  function fillJobSelect(names) {
    const select = $("#job-select");
    const current = select.value;
    select.replaceChildren(...names.map((name) => el("option", name)));
    if (names.includes(current)) select.value = current;
  }

  let refreshFailed = false;

  /** The dashboard refreshes itself while it is shown; a failed refresh says so, once. */
  async function autoRefresh() {
    if (state.view !== "dashboard" || !$("#dash-auto").checked || document.hidden) return;
    try {
      await loadDashboard();
      if (refreshFailed) flash("");
      refreshFailed = false;
    } catch (err) {
      refreshFailed = true;
      if (!err.handled) flash(`Could not refresh the dashboard: ${describe(err)}`, true);
    }
  }

  // ---- config editor ------------------------------------------------------------------------

  const MAPPING_HINTS = {
    shop: "DSCO retailer id → Lingxing store id (a whole number)",
    warehouse: "DSCO warehouse code → Lingxing warehouse id (WID)",
    sku: "DSCO SKU → Lingxing SKU (only where the names differ)",
    shipment: "\"<warehouse code>-<service level>\" → Lingxing logistics type id",
    wms_sid: "DSCO retailer id → WMS sid of its store (optional: narrows the outbound query)",
  };

  async function loadConfig() {
    const c = await api("GET", `/config/runtime?domain=${encodeURIComponent(state.domain)}`);
    showConfig(c);
  }

  function showConfig(c) {
    state.config = c.config;
    state.configVersion = c.version;
    $("#config-text").value = JSON.stringify(c.config, null, 2);
    setText("#config-meta", `Version ${c.version}, saved ${fmtTime(c.updated_at)}`);
    showConfigErrors([]);
    renderJobs(c.config.jobs);
    renderMappings(c.config.mapping);
  }

  function showConfigErrors(lines) {
    $("#config-errors").replaceChildren(...lines.map((line) => el("li", line)));
  }

  function input(type, value, cls) {
    const node = el("input", null, cls);
    node.type = type;
    if (type === "checkbox") node.checked = Boolean(value);
    else node.value = value === undefined || value === null ? "" : String(value);
    return node;
  }

  function renderJobs(jobs) {
    const body = $("#config-jobs").tBodies[0];
    body.replaceChildren(...Object.entries(jobs).map(([name, job]) => jobConfigRow(name, job)));
  }

  function jobConfigRow(name, job) {
    const tr = el("tr", null, "config-job");
    tr.dataset.job = name;
    const enable = input("checkbox", job.enable);
    enable.name = "enable";
    enable.ariaLabel = `${name} enabled`;
    const cron = input("text", job.cron, "cron");
    cron.name = "cron";
    const fires = el("span", "", "fires");
    cron.addEventListener("change", () => previewCron(cron.value, fires));
    const size = input("number", job.size, "size");
    size.name = "size";
    size.min = "1";
    const options = Object.entries(job)
      .filter(([key]) => !["enable", "cron", "size"].includes(key))
      .map(([key, value]) => optionField(key, value));
    tr.append(el("td", name, "id"), wrap(enable), wrap(cron), wrap(fires), wrap(size), wrap(...options));
    previewCron(job.cron, fires);
    return tr;
  }

  function optionField(key, value) {
    const label = el("label", null, "inline");
    const field = typeof value === "boolean" ? input("checkbox", value) : input("number", value);
    field.name = key;
    field.dataset.kind = typeof value;
    if (typeof value === "number" && !Number.isInteger(value)) field.step = "any";
    label.append(field, el("span", key));
    return label;
  }

  async function previewCron(expr, target) {
    try {
      const r = await api("GET", `/cron/next?cron=${encodeURIComponent(expr)}&count=3`);
      target.className = "fires";
      setNodeText(target, r.next.map((ts) => `${fmtTime(ts)}`).join("\n"));
    } catch (err) {
      target.className = "fires error";
      setNodeText(target, err instanceof ApiError ? err.error.message : describe(err));
    }
  }

  function setNodeText(node, text) {
    node.replaceChildren(document.createTextNode(String(text)));
  }

  function renderMappings(mapping) {
    const box = $("#config-mappings");
    box.replaceChildren(...Object.entries(mapping).map(([kind, entries]) => mappingTable(kind, entries)));
  }

  function mappingTable(kind, entries) {
    const section = el("section", null, "mapping");
    section.dataset.kind = kind;
    const table = el("table");
    const head = el("thead");
    head.append(rowOf(["DSCO side", "Lingxing side", ""]));
    const body = el("tbody");
    for (const [key, value] of Object.entries(entries)) body.append(mappingRow(key, value));
    table.append(head, body);
    const add = el("button", "Add entry");
    add.type = "button";
    add.addEventListener("click", () => {
      body.append(mappingRow("", ""));
      body.lastChild.querySelector("input").focus();
    });
    const scroll = el("div", null, "scroll");
    scroll.append(table);
    section.append(el("h3", `${kind} (${Object.keys(entries).length})`), el("p", MAPPING_HINTS[kind] || "", "muted small"), scroll, add);
    return section;
  }

  function mappingRow(key, value) {
    const k = input("text", key);
    k.name = "key";
    k.ariaLabel = "DSCO side";
    const v = input("text", value);
    v.name = "value";
    v.ariaLabel = "Lingxing side";
    const remove = el("button", "Remove");
    remove.type = "button";
    const tr = rowOf([k, v, remove]);
    remove.addEventListener("click", () => tr.remove());
    return tr;
  }

  /** The form as a runtime-config document, or a list of problems (duplicate keys first). */
  function configFromForm() {
    const problems = [];
    const jobs = {};
    for (const tr of $("#config-jobs").tBodies[0].rows) {
      const job = { ...state.config.jobs[tr.dataset.job] };
      for (const field of tr.querySelectorAll("input[name]")) {
        if (field.type === "checkbox") job[field.name] = field.checked;
        else if (field.name === "cron") job.cron = field.value.trim();
        else job[field.name] = field.value === "" ? NaN : Number(field.value);
      }
      jobs[tr.dataset.job] = job;
    }
    const mapping = {};
    for (const section of document.querySelectorAll("#config-mappings .mapping")) {
      const kind = section.dataset.kind;
      const entries = {};
      [...section.querySelectorAll("tbody tr")].forEach((tr, i) => {
        const key = tr.querySelector("input[name=key]").value.trim();
        const value = tr.querySelector("input[name=value]").value.trim();
        if (!key && !value) return;
        if (Object.hasOwn(entries, key)) {
          problems.push(`mapping.${kind}: the key "${key}" appears more than once (row ${i + 1}); each DSCO value may map only once`);
        }
        entries[key] = value;
      });
      mapping[kind] = entries;
    }
    return { doc: { ...state.config, jobs, mapping }, problems };
  }

  async function saveConfig() {
    const { doc, problems } = configFromForm();
    if (problems.length) {
      showConfigErrors(problems);
      flash("Not saved: fix the marked entries.", true);
      return;
    }
    await putConfig({ config: doc, expected_version: state.configVersion });
  }

  async function saveConfigJson() {
    const text = $("#config-text").value;
    try {
      JSON.parse(text);
    } catch (err) {
      showConfigErrors([`Not valid JSON: ${err.message}`]);
      flash("Not saved.", true);
      return;
    }
    // Sent as written, so that the server sees (and refuses) any duplicate key.
    await putConfig(`{"config": ${text}, "expected_version": ${Number(state.configVersion)}}`);
  }

  async function putConfig(body) {
    const domain = encodeURIComponent(state.domain);
    try {
      showConfig(await api("PUT", `/config/runtime?domain=${domain}`, body));
      flash(`Saved: version ${state.configVersion}.`);
    } catch (err) {
      if (!(err instanceof ApiError) || err.handled) throw err;
      const fields = (err.error.errors || []).map((e) => `${e.path}: ${e.reason}`);
      if (err.status === 409) fields.push(`${describe(err)}: reload, then edit again.`);
      showConfigErrors(fields.length ? fields : [describe(err)]);
      flash("Not saved.", true);
    }
  }

  function jsonFromForm() {
    $("#config-text").value = JSON.stringify(configFromForm().doc, null, 2);
    $("#config-json-box").open = true;
  }

  // ---- tasks --------------------------------------------------------------------------------

  function resultRow(r) {
    const tr = rowOf([
      id(r.job), r.trigger, id(r.po_number || ""), time(r.started_at), outcomeCell(r),
      num(fmtDuration(r.duration_ms)), id(fmtCounters(r.counters)), id(r.run_id),
    ]);
    if (outcome(r).kind === "bad") tr.className = "failed";
    return tr;
  }

  function addResults(results) {
    const body = $("#run-results").tBodies[0];
    for (const r of results) body.prepend(resultRow(r));
  }

  /** Run a POST that answers a RunResult; a 409 still shows the refused run. */
  async function runTask(path, body, label) {
    flash(`Running ${label}…`, "busy");
    try {
      const result = await api("POST", path, body);
      const runs = result.results || [result.result || result];
      addResults(runs);
      const bad = runs.filter((r) => outcome(r).kind === "bad");
      const summary = runs.map((r) => `${r.job}: ${outcome(r).label}`).join(", ");
      flash(bad.length ? `${summary} — ${outcome(bad[0]).reason}` : summary, bad.length > 0);
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
    const here = state.pages[kind].at(-1);
    if (here.cursor) params.set("cursor", here.cursor);
    params.set("limit", String(pageLimit(formSel)));
    return params;
  }

  function showRange(kind, page, count) {
    const start = state.pages[kind].at(-1).start;
    const total = page.total_is_estimate ? `about ${page.total}` : String(page.total);
    setText(`#${kind}-range`, count ? `${start + 1}–${start + count} of ${total}` : `0 of ${total}`);
    state.next[kind] = page.next_cursor ? { cursor: page.next_cursor, start: start + count } : null;
  }

  /** A failed search leaves no stale rows under its error. */
  async function listing(kind, tableSel, load) {
    try {
      await load();
    } catch (err) {
      fillTable(tableSel, []);
      setText(`#${kind}-range`, "");
      throw err;
    }
  }

  async function turnPage(event) {
    const kind = event.target.dataset.page;
    const pages = state.pages[kind];
    if (Number(event.target.dataset.dir) > 0) {
      if (!state.next[kind]) return;
      pages.push(state.next[kind]);
    } else {
      if (pages.length < 2) return;
      pages.pop();
    }
    await (kind === "orders" ? loadOrders() : loadSync(false));
  }

  // ---- orders -------------------------------------------------------------------------------

  async function loadOrders() {
    await listing("orders", "#orders-table", async () => {
      const page = await api("GET", `/orders?${pageParams("orders", "#orders-filter")}`);
      showRange("orders", page, page.orders.length);
      const body = $("#orders-table").tBodies[0];
      body.replaceChildren(...page.orders.map(orderRow));
    });
  }

  function orderRow(o) {
    const tr = rowOf([
      id(o.po_number), statusBadge(o.status), o.dsco_status, id(o.dsco_retailer_id),
      id(o.warehouse_id), id(o.shipment), id((o.mskus || []).join(" ")), id(o.shipped_tracking_no),
      id(o.dsco_invoice_id), time(o.dsco_create_time), time(o.updated_at),
    ]);
    tr.dataset.po = o.po_number;
    tr.tabIndex = 0;
    return tr;
  }

  const ORDER_FIELDS = [
    ["po_number", "PO number", "id"],
    ["status", "Status", "status"],
    ["status_since", "In this status since", "since"],
    ["attempts", "Runs that looked at it since", "text"],
    ["dsco_status", "DSCO status", "text"],
    ["dsco_retailer_id", "DSCO retailer id", "id"],
    ["warehouse_id", "Warehouse code", "id"],
    ["shipment", "Shipping service level", "id"],
    ["mskus", "Lines — sku(quantity)", "id"],
    ["shipped_tracking_no", "Tracking numbers sent to DSCO", "id"],
    ["dsco_invoice_id", "Invoice id sent to DSCO", "id"],
    ["dsco_create_time", "Created in DSCO", "time"],
    ["dsco_update_time", "Last changed in DSCO", "time"],
    ["last_attempt_at", "Last looked at by a job", "time"],
    ["created_at", "First pulled", "time"],
    ["updated_at", "Row last updated", "time"],
  ];

  function orderValue(o, key, kind) {
    const value = o[key];
    if (kind === "status") return [statusBadge(value), el("span", ` ${STATUS[value] ? STATUS[value][1] : ""}`, "muted")];
    if (kind === "since") return value ? [el("span", fmtTime(value), "mono"), el("span", ` (${fmtAge(Date.now() / 1000 - value)} ago)`, "muted")] : [];
    if (kind === "time") return [el("span", fmtTime(value) || "—", "mono")];
    const text = Array.isArray(value) ? value.join(" ") : value;
    return [el("span", text === "" || text === null || text === undefined ? "—" : text, kind === "id" ? "mono" : "")];
  }

  async function openOrder(po) {
    const o = await api("GET", `/order?po_number=${encodeURIComponent(po)}`);
    state.order = o;
    setText("#order-po", o.po_number);
    const fields = $("#order-fields");
    fields.replaceChildren();
    for (const [key, label, kind] of ORDER_FIELDS) {
      const dd = el("dd", null, kind === "id" ? "id" : "");
      dd.append(...orderValue(o, key, kind));
      fields.append(el("dt", label), dd);
    }
    $("#order-status-form").elements.status.value = String(o.status);
    setText("#order-payload", JSON.stringify(o.payload, null, 2));
    $("#order-detail").hidden = false;
    await loadHistory(o.po_number);
    $("#order-detail").scrollIntoView({ block: "nearest" });
  }

  const LEVEL_KIND = { ERROR: "bad", CRITICAL: "bad", WARNING: "warn", SUCCESS: "good" };

  async function loadHistory(po) {
    fillTable("#order-history", []);
    const h = await api("GET", `/order/history?po_number=${encodeURIComponent(po)}`);
    setText("#order-history-source", h.source === "journal"
      ? "from the systemd journal" : "from this daemon's memory (records since it started)");
    setText("#order-history-note", h.note);
    const rows = h.entries.slice().reverse().map((e) => [
      time(e.time), badge(e.level, LEVEL_KIND[e.level] || "idle"), id(e.job), { text: e.message, cls: "text" },
      id(Object.entries(e.fields || {}).map(([k, v]) => `${k}=${v}`).join(" ")), id(e.run_id),
    ]);
    if (!rows.length) rows.push([{ text: "No log records of this order yet.", cls: "muted" }, "", "", "", "", ""]);
    fillTable("#order-history", rows);
  }

  async function clickOrder(event) {
    const tr = event.target.closest("tr[data-po]");
    if (!tr || (event.type === "keydown" && event.key !== "Enter")) return;
    await openOrder(tr.dataset.po);
  }

  function statusWords(s) {
    return STATUS[s] ? `${s} (${STATUS[s][0]}, ${STATUS[s][1]})` : String(s);
  }

  /** Ask before a status edit: what moves where, and a reason that goes to the log. */
  function askStatus() {
    const o = state.order;
    const to = Number($("#order-status-form").elements.status.value);
    const dialog = $("#status-dialog");
    const form = $("#status-dialog-form");
    setText("#status-dialog-po", o.po_number);
    const back = to < o.status && to !== 6;
    setText("#status-dialog-text", `From ${statusWords(o.status)} to ${statusWords(to)}.` + (back
      ? " Moving an order back makes its jobs handle it again; they check Lingxing and DSCO before writing, but only do this on purpose."
      : ""));
    form.elements.reason.value = "";
    dialog.returnValue = "";
    dialog.showModal();
    form.elements.reason.focus();
  }

  async function saveStatus() {
    const dialog = $("#status-dialog");
    if (dialog.returnValue !== "confirm") return;
    const po = state.order.po_number;
    const status = Number($("#order-status-form").elements.status.value);
    const reason = $("#status-dialog-form").elements.reason.value.trim();
    const r = await api("PUT", "/order/status", { po_number: po, status, reason });
    await Promise.all([openOrder(po), loadOrders()]);
    flash(`${r.po_number}: status ${r.old_status} → ${r.status}`);
  }

  async function runOrder() {
    const po = state.order.po_number;
    const r = await runTask("/order/run", { po_number: po }, `${po}`);
    await Promise.all([openOrder(po), loadOrders()]);
    const o = outcome(r.result);
    const skipped = ((r.result || {}).counters || {}).skip > 0;
    const moved = r.status_before === r.status_after
      ? `still in status ${r.status_after}${skipped ? " (skipped: the history below says why)" : ""}`
      : `status ${r.status_before} → ${r.status_after}`;
    flash(`${po}: ${r.job} ${o.label}; ${moved}${o.reason ? ` — ${o.reason}` : ""}`, o.kind === "bad");
  }

  // ---- warehouse sync -----------------------------------------------------------------------

  async function loadSync(withOptions) {
    await listing("sync", "#sync-table", async () => {
      const page = await api("GET", `/warehouse-sync?${pageParams("sync", "#sync-filter")}`);
      showRange("sync", page, page.rows.length);
      fillTable("#sync-table", page.rows.map((r) => [
        time(r.sync_time), id(r.dsco_warehouse_id), id(r.dsco_warehouse_sku), num(r.dsco_warehouse_num),
        id(r.lingxing_warehouse_id), id(r.lingxing_warehouse_sku), num(r.lingxing_warehouse_num), num(r.diff),
        r.status === 1 ? badge("ok", "good") : badge("failed", "bad"), { text: r.reason, cls: "text" },
      ]));
    });
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
      state.pages[kind] = [{ cursor: null, start: 0 }];
      await (kind === "orders" ? loadOrders() : loadSync(false));
    };
  }

  // ---- wiring -------------------------------------------------------------------------------

  function statusOptions(select, withAny) {
    const options = Object.keys(STATUS).map((s) => {
      const option = el("option", `${s} ${STATUS[s][0]} — ${STATUS[s][1]}`);
      option.value = s;
      return option;
    });
    if (withAny) options.unshift(select.options[0]);
    select.replaceChildren(...options);
  }

  function wire() {
    for (const b of document.querySelectorAll("nav [data-view]")) {
      b.addEventListener("click", guard(() => show(b.dataset.view)));
    }
    for (const b of document.querySelectorAll("[data-page]")) {
      b.addEventListener("click", guard(turnPage));
    }
    statusOptions($("#order-status-form").elements.status, false);
    statusOptions($("#orders-status"), true);
    const on = (sel, type, fn) => $(sel).addEventListener(type, guard(fn));
    on("#login-form", "submit", login);
    on("#logout", "click", logout);
    on("#dash-refresh", "click", loadDashboard);
    on("#config-save", "click", saveConfig);
    on("#config-save-json", "click", saveConfigJson);
    on("#config-json-from-form", "click", jsonFromForm);
    on("#config-reload", "click", loadConfig);
    on("#run-one-form", "submit", runOne);
    on("#run-pipeline", "click", runPipeline);
    on("#pull-form", "submit", pull);
    on("#check-form", "submit", checkOrders);
    on("#orders-filter", "submit", searchFrom("orders"));
    on("#sync-filter", "submit", searchFrom("sync"));
    on("#orders-table", "click", clickOrder);
    on("#orders-table", "keydown", clickOrder);
    $("#order-status-form").addEventListener("submit", (event) => {
      event.preventDefault();
      askStatus();
    });
    on("#status-dialog", "close", saveStatus);
    $("#status-dialog-cancel").addEventListener("click", () => $("#status-dialog").close(""));
    on("#order-run", "click", runOrder);
    $("#order-close").addEventListener("click", () => { $("#order-detail").hidden = true; });
    setInterval(autoRefresh, REFRESH_MS);
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

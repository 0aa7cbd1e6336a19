// The review page's script (review.html). Reads the plan from the JSON block and builds the
// page with createElement and textContent only: no innerHTML, no eval, no network.
(function () {
  "use strict";

  var data = JSON.parse(document.getElementById("plan-data").textContent);
  var people = data.people;
  var texts = data.texts;
  var DASH = "\u2014";
  var TEXT_SHOWN = 300; // characters of a long text drawn in a cell (the tooltip holds more)
  var TITLE_SHOWN = 2000;

  // ------------------------------------------------------------------ small helpers

  function $(id) { return document.getElementById(id); }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }

  function clip(text, n) {
    text = text === null || text === undefined ? "" : String(text);
    return text.length > n ? text.slice(0, n - 1) + "\u2026" : text;
  }

  function isNum(x) { return typeof x === "number" && isFinite(x); }

  function fmtInt(x) {
    return isNum(x) ? Math.round(x).toLocaleString("en-US") : DASH;
  }

  function fmtNum(x, digits) {
    if (!isNum(x)) { return DASH; }
    return x.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: 0 });
  }

  function option(select, value, label) {
    var o = el("option", null, clip(label, 80));
    o.value = value;
    select.appendChild(o);
  }

  function who(i) {
    if (i < 0) { return "unassigned"; }
    var p = people[i];
    var text = p.name && p.name !== p.id ? p.name + " (" + p.id + ")" : p.id;
    return p.left ? text + ", left the team" : text;
  }

  function teamOf(i) { return i < 0 ? -1 : people[i].team; }

  function plural(n, one, many) { return fmtInt(n) + " " + (n === 1 ? one : many); }

  // ------------------------------------------------------------------ header

  var title = "Plan review" + (data.plan.period_label ? ": " + data.plan.period_label : "");
  document.title = title + " \u2013 " + data.plan.name;
  $("title").textContent = title;
  $("subtitle").textContent = "Plan " + data.plan.fingerprint + " \u00b7 " + data.plan.name +
    (data.plan.territory_version ? " \u00b7 territory " + data.plan.territory_version : "");
  data.facts.forEach(function (f) {
    var d = el("div");
    d.appendChild(el("dt", null, f[0]));
    d.appendChild(el("dd", null, f[1]));
    $("facts").appendChild(d);
  });
  $("footer").textContent = "Made by territory " + (data.plan.territory_version || "") +
    " from the plan folder " + data.plan.name + " (fingerprint " + data.plan.fingerprint +
    "). This file fetches nothing and works offline.";

  // ------------------------------------------------------------------ balance strips

  (function balance() {
    var note = $("balance-note");
    var scalePct = Math.round(data.scale * 100);
    note.appendChild(document.createTextNode(
      "Each cell: the rep's number, its gap to the rep's fair share, and a strip centred on the fair share (" +
      "each side spans \u00b1" + scalePct + " %). "));
    note.appendChild(el("span", "key zone"));
    note.appendChild(document.createTextNode("the rep's own band (for a tier: " + data.band_rule +
      (data.measure_bands ? "; for " + data.measure_bands + " of the fair share" :
        isNum(data.potential_band) ? "; for potential: \u00b1" + Math.round(data.potential_band * 100) + " % of the fair share" : "") +
      ")"));
    note.appendChild(el("span", "key ok"));
    note.appendChild(document.createTextNode("inside the band"));
    note.appendChild(el("span", "key over"));
    note.appendChild(document.createTextNode("outside the band (also said in words)."));

    var table = $("reps-table");
    var head = el("thead");
    var hr = el("tr");
    ["Rep", "Manager", "Region", "Accounts"].forEach(function (h, i) {
      hr.appendChild(el("th", i === 3 ? "n" : null, h));
    });
    data.measures.forEach(function (m) { hr.appendChild(el("th", null, m.label)); });
    head.appendChild(hr);
    table.appendChild(head);
    var body = el("tbody");
    table.appendChild(body);

    var teamSel = $("reps-team");
    data.managers.forEach(function (m, i) { option(teamSel, String(i), m); });

    function pos(dev) {
      var d = Math.max(-data.scale, Math.min(data.scale, dev));
      return 50 + d / data.scale * 48;
    }

    function cellFor(m, c) {
      var td = el("td", "cell" + (c.out ? " out" : ""));
      var v = el("div", "v", c.text);
      if (c.dev !== null) { v.appendChild(el("span", "dev", c.dev_text)); }
      td.appendChild(v);
      var strip = el("div", "strip");
      if (c.lo_dev !== null && c.hi_dev !== null) {
        var z = el("div", "zone");
        var a = pos(c.lo_dev), b = pos(c.hi_dev);
        z.style.left = a + "%";
        z.style.width = Math.max(b - a, 0) + "%";
        strip.appendChild(z);
      }
      strip.appendChild(el("div", "mid"));
      if (c.dev !== null) {
        var bar = el("div", "bar");
        var p = pos(c.dev);
        bar.style.left = Math.min(p, 50) + "%";
        bar.style.width = Math.max(Math.abs(p - 50), 0.6) + "%";
        strip.appendChild(bar);
      }
      td.appendChild(strip);
      var words = "fair " + c.fair_text + " \u00b7 band " + c.band_text;
      if (c.out) {
        words += c.hi !== null && c.value > c.hi ? " \u00b7 above the band" : " \u00b7 below the band";
      }
      td.appendChild(el("div", "b", words));
      td.title = m.label + ": " + c.text + (m.kind === "count" ? " accounts" : "") +
        "; fair share " + c.fair_text + "; band " + c.band_text + "; " + c.dev_text + " of the fair share";
      return td;
    }

    var rows = data.reps.map(function (r) {
      var tr = el("tr");
      var p = people[r.person];
      var name = el("td");
      name.appendChild(el("div", null, clip(p.name, 120)));
      name.appendChild(el("div", "id", clip(p.id, 60)));
      name.title = clip(p.name, TITLE_SHOWN);
      tr.appendChild(name);
      tr.appendChild(el("td", null, p.team >= 0 ? clip(data.managers[p.team], 80) : ""));
      tr.appendChild(el("td", null, clip(r.region, 80)));
      tr.appendChild(el("td", "n", fmtInt(r.accounts)));
      r.cells.forEach(function (c, i) { tr.appendChild(cellFor(data.measures[i], c)); });
      return { tr: tr, team: p.team, out: r.cells.some(function (c) { return c.out; }) };
    });

    function show() {
      var team = teamSel.value === "" ? null : Number(teamSel.value);
      var onlyOut = $("reps-outside").checked;
      var shown = 0;
      body.replaceChildren();
      rows.forEach(function (r) {
        if ((team === null || r.team === team) && (!onlyOut || r.out)) {
          body.appendChild(r.tr);
          shown += 1;
        }
      });
      $("reps-count").textContent = plural(shown, "rep", "reps") + " shown of " + fmtInt(rows.length) + ".";
    }
    teamSel.addEventListener("change", show);
    $("reps-outside").addEventListener("change", show);
    show();
  })();

  // ------------------------------------------------------------------ a sortable, filterable, paged table

  function DataTable(table, pager, status, columns, rows, noun) {
    this.table = table;
    this.pager = pager;
    this.status = status;
    this.columns = columns;
    this.rows = rows;
    this.noun = noun;
    this.sortCol = -1;
    this.sortDir = 1;
    this.page = 0;
    this.size = 100;
    this.filter = null;
    this.order = rows.map(function (_, i) { return i; });
    this.keys = {};
    this.build();
    this.refresh();
  }

  DataTable.prototype.build = function () {
    var self = this;
    var head = el("thead");
    var tr = el("tr");
    this.heads = this.columns.map(function (c, i) {
      var th = el("th", c.num ? "n" : null);
      var b = el("button", "sort", c.label);
      b.type = "button";
      b.addEventListener("click", function () { self.sortBy(i); });
      th.appendChild(b);
      th.setAttribute("aria-sort", "none");
      tr.appendChild(th);
      return th;
    });
    head.appendChild(tr);
    this.table.appendChild(head);
    this.body = el("tbody");
    this.table.appendChild(this.body);

    this.prev = el("button", null, "\u2039 Previous");
    this.next = el("button", null, "Next \u203a");
    this.prev.type = this.next.type = "button";
    this.where = el("span", "muted");
    var sizeLabel = el("label", null, "Rows per page ");
    var size = el("select");
    [50, 100, 250, 1000].forEach(function (n) { option(size, String(n), String(n)); });
    size.value = "100";
    sizeLabel.appendChild(size);
    this.prev.addEventListener("click", function () { self.go(self.page - 1); });
    this.next.addEventListener("click", function () { self.go(self.page + 1); });
    size.addEventListener("change", function () { self.size = Number(size.value); self.go(0); });
    [this.prev, this.where, this.next, sizeLabel].forEach(function (e) { self.pager.appendChild(e); });
  };

  DataTable.prototype.key = function (i) {
    if (!this.keys[i]) {
      var c = this.columns[i];
      this.keys[i] = this.rows.map(function (r) {
        var v = c.value(r);
        return c.num ? (isNum(v) ? v : null) : (v === null || v === undefined ? "" : String(v).toLocaleLowerCase());
      });
    }
    return this.keys[i];
  };

  DataTable.prototype.sortBy = function (i) {
    if (this.sortCol === i) { this.sortDir = -this.sortDir; } else { this.sortCol = i; this.sortDir = 1; }
    this.page = 0;  // a new order starts at its first page
    var self = this;
    this.heads.forEach(function (th, j) {
      th.setAttribute("aria-sort", j !== i ? "none" : (self.sortDir > 0 ? "ascending" : "descending"));
    });
    this.refresh();
  };

  DataTable.prototype.setFilter = function (fn) { this.filter = fn; this.page = 0; this.refresh(); };

  DataTable.prototype.refresh = function () {
    var rows = this.rows, filter = this.filter;
    var order = [];
    for (var i = 0; i < rows.length; i++) {
      if (!filter || filter(rows[i], i)) { order.push(i); }
    }
    if (this.sortCol >= 0) {
      var keys = this.key(this.sortCol), dir = this.sortDir, num = this.columns[this.sortCol].num;
      order.sort(function (a, b) {
        var x = keys[a], y = keys[b];
        if (num) {
          if (x === null || y === null) { return x === y ? a - b : (x === null ? 1 : -1); }  // blanks last
          if (x !== y) { return (x - y) * dir; }
        } else {
          if (x === "" || y === "") { if (x !== y) { return x === "" ? 1 : -1; } }
          else if (x !== y) { return (x < y ? -1 : 1) * dir; }
        }
        return a - b;
      });
    }
    this.order = order;
    this.go(Math.min(this.page, Math.max(0, Math.ceil(order.length / this.size) - 1)));
  };

  DataTable.prototype.go = function (page) {
    var pages = Math.max(1, Math.ceil(this.order.length / this.size));
    this.page = Math.max(0, Math.min(page, pages - 1));
    var start = this.page * this.size, end = Math.min(start + this.size, this.order.length);
    var frag = document.createDocumentFragment();
    for (var k = start; k < end; k++) {
      var r = this.rows[this.order[k]];
      var tr = el("tr");
      for (var j = 0; j < this.columns.length; j++) {
        var c = this.columns[j];
        var td = el("td", c.cls || (c.num ? "n" : null));
        var text = c.text(r);
        td.textContent = clip(text, TEXT_SHOWN);
        if (c.titled && text && text.length > 24) { td.title = clip(text, TITLE_SHOWN); }
        if (c.style) { var s = c.style(r); if (s) { td.classList.add(s); } }
        tr.appendChild(td);
      }
      frag.appendChild(tr);
    }
    this.body.replaceChildren(frag);
    var total = this.rows.length, n = this.order.length;
    this.where.textContent = n ? "Rows " + fmtInt(start + 1) + "\u2013" + fmtInt(end) + " of " + fmtInt(n) : "No rows";
    this.prev.disabled = this.page === 0;
    this.next.disabled = this.page >= pages - 1;
    this.status.textContent = n === total
      ? plural(total, this.noun[0], this.noun[1]) + "."
      : fmtInt(n) + " of " + plural(total, this.noun[0], this.noun[1]) + " match the filters.";
  };

  // A row's text for the search box, made once per row on the first search.
  function searcher(rows, parts) {
    var hay = null;
    return function (query) {
      if (!hay) {
        hay = rows.map(function (r) { return parts(r).join("\u0001").toLocaleLowerCase(); });
      }
      var q = query.toLocaleLowerCase();
      return function (i) { return hay[i].indexOf(q) >= 0; };
    };
  }

  function debounce(fn, ms) {
    var t = null;
    return function () { clearTimeout(t); t = setTimeout(fn, ms); };
  }

  // ------------------------------------------------------------------ accounts

  var acc = data.accounts;
  var col = {};
  acc.columns.forEach(function (c, i) { col[c] = i; });
  var CHANGE = ["kept", "moved", "first owner"];
  var accTable;

  (function accounts() {
    var C = col;
    var columns = [
      { label: "Account", value: function (r) { return r[C.account_id]; }, text: function (r) { return r[C.account_id]; }, titled: true },
      { label: "Name", value: function (r) { return r[C.name]; }, text: function (r) { return r[C.name]; }, titled: true },
      { label: "Tier", num: true, value: function (r) { return r[C.tier]; }, text: function (r) { return r[C.tier] === null ? DASH : String(r[C.tier]); } },
      { label: "Region", value: function (r) { return r[C.region]; }, text: function (r) { return r[C.region]; }, titled: true }
    ];
    if (C.product !== undefined) {
      columns.push({ label: "Product", value: function (r) { return r[C.product]; }, text: function (r) { return r[C.product]; } });
    }
    columns.push(
      { label: "Owner", value: function (r) { return who(r[C.owner]); }, text: function (r) { return who(r[C.owner]); }, titled: true },
      { label: "Previous owner", value: function (r) { return who(r[C.previous_owner]); }, text: function (r) { return who(r[C.previous_owner]); }, titled: true,
        style: function (r) { return r[C.previous_owner] >= 0 && people[r[C.previous_owner]].left ? "left" : null; } },
      { label: "Change", value: function (r) { return CHANGE[r[C.change]]; }, text: function (r) { return CHANGE[r[C.change]]; },
        style: function (r) { return r[C.change] ? "moved" : null; } }
    );
    acc.columns.forEach(function (name, i) {
      if (name.indexOf("m:") === 0) {
        columns.push({ label: acc.amount_labels[name], num: true, value: function (r) { return r[i]; }, text: function (r) { return fmtInt(r[i]); } });
      }
    });
    if (C.score !== undefined) {
      columns.push({ label: "Score", num: true, value: function (r) { return r[C.score]; }, text: function (r) { return fmtNum(r[C.score], 1); } });
    }
    columns.push(
      { label: "Locked", value: function (r) { return r[C.locked] ? "locked" : ""; }, text: function (r) { return r[C.locked] ? "locked" : ""; } },
      { label: "Why it moves or stays", cls: "wrap", value: function (r) { return texts[r[C.reason]]; }, text: function (r) { return texts[r[C.reason]]; }, titled: true }
    );
    if (C.why !== undefined) {
      columns.push({ label: "Why it fits the ICP", cls: "wrap", value: function (r) { return texts[r[C.why]]; }, text: function (r) { return texts[r[C.why]]; }, titled: true });
    }
    accTable = new DataTable($("acc-table"), $("acc-pager"), $("acc-status"), columns, acc.rows, ["account", "accounts"]);

    var search = searcher(acc.rows, function (r) {
      var out = [r[C.account_id], r[C.name], r[C.region], who(r[C.owner]), who(r[C.previous_owner]),
        texts[r[C.reason]], CHANGE[r[C.change]]];
      if (C.product !== undefined) { out.push(r[C.product]); }
      if (C.why !== undefined) { out.push(texts[r[C.why]]); }
      return out;
    });

    var teamSel = $("acc-team"), ownerSel = $("acc-owner"), tierSel = $("acc-tier"), changeSel = $("acc-change");
    data.managers.forEach(function (m, i) { option(teamSel, String(i), m); });
    people.forEach(function (p, i) { option(ownerSel, String(i), who(i)); });

    function apply() {
      var q = $("acc-search").value.trim();
      var match = q ? search(q) : null;
      var team = teamSel.value === "" ? null : Number(teamSel.value);
      var owner = ownerSel.value === "" ? null : Number(ownerSel.value);
      var tier = tierSel.value === "" ? null : Number(tierSel.value);
      var change = changeSel.value;
      ["joining", "leaving", "within"].forEach(function (v) {
        changeSel.querySelector("option[value=" + v + "]").disabled = team === null;
      });
      if (team === null && (change === "joining" || change === "leaving" || change === "within")) {
        change = "changes";
        changeSel.value = "changes";
      }
      var none = !match && team === null && owner === null && tier === null && !change;
      accTable.setFilter(none ? null : function (r, i) {
        var moved = r[C.change] !== 0;
        var t1 = teamOf(r[C.owner]), t0 = teamOf(r[C.previous_owner]);
        if (team !== null && t1 !== team && t0 !== team) { return false; }
        if (owner !== null && r[C.owner] !== owner) { return false; }
        if (tier !== null && (tier === 0 ? r[C.tier] !== null : r[C.tier] !== tier)) { return false; }
        if (change === "changes" && !moved) { return false; }
        if (change === "kept" && moved) { return false; }
        if (change === "joining" && !(moved && t1 === team && t0 !== team)) { return false; }
        if (change === "leaving" && !(moved && t0 === team && t1 !== team)) { return false; }
        if (change === "within" && !(moved && t0 === team && t1 === team)) { return false; }
        return !match || match(i);
      });
    }
    var later = debounce(apply, 150);
    $("acc-search").addEventListener("input", later);
    [teamSel, ownerSel, tierSel, changeSel].forEach(function (s) { s.addEventListener("change", apply); });
    $("acc-clear").addEventListener("click", function () {
      $("acc-search").value = "";
      teamSel.value = ownerSel.value = tierSel.value = changeSel.value = "";
      apply();
    });
    apply();

    // ---------------------------------------------------------------- moves by manager
    var table = $("teams-table");
    var head = el("thead"), hr = el("tr");
    ["Manager", "Reps", "Accounts", "Joining", "Leaving", "Within", ""].forEach(function (h, i) {
      hr.appendChild(el("th", i >= 1 && i <= 5 ? "n" : null, h));
    });
    head.appendChild(hr);
    table.appendChild(head);
    var body = el("tbody");
    function moved(m) {
      return m.accounts ? plural(m.accounts, "account", "accounts") + " (potential " + m.potential_text + ")" : "none";
    }
    data.teams.forEach(function (t, i) {
      var tr = el("tr");
      tr.appendChild(el("td", null, clip(t.name, 120)));
      tr.appendChild(el("td", "n", fmtInt(t.reps.length)));
      tr.appendChild(el("td", "n", fmtInt(t.accounts)));
      tr.appendChild(el("td", "n", moved(t.joining)));
      tr.appendChild(el("td", "n", moved(t.leaving)));
      tr.appendChild(el("td", "n", moved(t.within)));
      var td = el("td");
      var b = el("button", null, "Show these moves");
      b.type = "button";
      b.addEventListener("click", function () {
        $("acc-search").value = "";
        teamSel.value = String(i);
        ownerSel.value = tierSel.value = "";
        changeSel.value = "changes";
        apply();
        $("accounts").scrollIntoView();
      });
      td.appendChild(b);
      tr.appendChild(td);
      body.appendChild(tr);
    });
    table.appendChild(body);
  })();

  // ------------------------------------------------------------------ map

  if (data.map && $("map")) {
    $("map-title").textContent = data.map.title;
    $("map-caption").textContent = data.map.caption;
    var labels = document.querySelectorAll("#map .legend-label");
    data.map.legend.forEach(function (item, i) {
      if (labels[i]) { labels[i].textContent = clip(item[0], 80) + " (" + fmtInt(item[1]) + ")"; }
    });
    if (data.map.off_map.length) {
      var off = $("off-map");
      off.appendChild(el("h3", null, "Not on the map"));
      var ul = el("ul");
      data.map.off_map.forEach(function (line) { ul.appendChild(el("li", null, clip(line, 160))); });
      off.appendChild(ul);
      if (data.map.off_map_more) {
        off.appendChild(el("p", "muted", "\u2026 and " + fmtInt(data.map.off_map_more) + " more."));
      }
    }
  }

  // ------------------------------------------------------------------ differences to the previous plan

  if (data.previous) {
    var prev = data.previous;
    $("differences").hidden = false;
    $("toc-differences").hidden = false;
    $("diff-note").textContent = "Accounts whose owner differs from the plan in " + prev.name + ": " +
      plural(prev.moved, "account moved", "accounts moved") + ", " +
      plural(prev.added, "account", "accounts") + " only in this plan, " +
      plural(prev.removed, "account", "accounts") + " only in the previous one. The reasons are the ones territory diff gives.";
    var D = {};
    prev.columns.forEach(function (c, i) { D[c] = i; });
    var dcols = [
      { label: "Account", value: function (r) { return r[D.account_id]; }, text: function (r) { return r[D.account_id]; }, titled: true }
    ];
    if (D.product !== undefined) {
      dcols.push({ label: "Product", value: function (r) { return r[D.product]; }, text: function (r) { return r[D.product]; } });
    }
    dcols.push(
      { label: "Name", value: function (r) { return r[D.name]; }, text: function (r) { return r[D.name]; }, titled: true },
      { label: "Tier", num: true, value: function (r) { return r[D.tier]; }, text: function (r) { return r[D.tier] === null ? DASH : String(r[D.tier]); } },
      { label: "Owner in the previous plan", value: function (r) { return r[D.old_owner]; }, text: function (r) { return r[D.old_owner] || DASH; }, titled: true },
      { label: "Owner in this plan", value: function (r) { return r[D.new_owner]; }, text: function (r) { return r[D.new_owner] || DASH; }, titled: true },
      { label: "Change", value: function (r) { return r[D.change]; }, text: function (r) { return r[D.change]; } },
      { label: "Why", cls: "wrap", value: function (r) { return texts[r[D.reason]]; }, text: function (r) { return texts[r[D.reason]]; }, titled: true }
    );
    var diffTable = new DataTable($("diff-table"), $("diff-pager"), $("diff-status"), dcols, prev.rows, ["difference", "differences"]);
    var dsearch = searcher(prev.rows, function (r) {
      return [r[D.account_id], r[D.name], r[D.old_owner], r[D.new_owner], r[D.change], texts[r[D.reason]]];
    });
    var dapply = function () {
      var q = $("diff-search").value.trim();
      var match = q ? dsearch(q) : null;
      var change = $("diff-change").value;
      diffTable.setFilter(!match && !change ? null : function (r, i) {
        if (change && r[D.change] !== change) { return false; }
        return !match || match(i);
      });
    };
    $("diff-search").addEventListener("input", debounce(dapply, 150));
    $("diff-change").addEventListener("change", dapply);
  }

  // ------------------------------------------------------------------ warnings

  if (data.warnings.length) {
    $("warnings").hidden = false;
    $("toc-warnings").hidden = false;
    data.warnings.forEach(function (w) { $("warnings-list").appendChild(el("li", null, clip(w, 600))); });
  }
})();

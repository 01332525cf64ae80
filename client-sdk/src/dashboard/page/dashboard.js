// The contributor dashboard's page: fetches data.json (readDashboardData's output) and
// renders it. Every string from the chain or a round details source is set as text
// (textContent, setAttribute), never parsed as HTML. The chart is uPlot (uplot.js).
"use strict";

(() => {
  const REFRESH_MS = 15_000;
  const CHART_HEIGHT = 280;
  const byId = (id) => document.getElementById(id);
  let chart = null;

  /** An element with text and attributes; `children` are nodes or strings. */
  function el(tag, attributes = {}, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) if (value !== null && value !== undefined) node.setAttribute(name, String(value));
    for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    return node;
  }

  const shortHash = (hash) => (hash.length > 20 ? `${hash.slice(0, 10)}…${hash.slice(-8)}` : hash);
  const hash = (value, kind = "hash") => el("code", { class: kind, title: value, "data-full": value }, shortHash(value));
  const amount = (a) => el("span", { class: "amount", "data-value": a.value, title: `${a.value} (smallest unit)` }, a.text);
  const percent = (share) => `${(share * 100).toFixed(1)}%`;
  const fixed = (value) => (typeof value === "number" ? value.toFixed(4) : "–");

  /** Fills `table` with a header row and body rows; each row is { attributes, cells }. */
  function fillTable(table, headers, rows) {
    const head = el("thead", {}, el("tr", {}, ...headers.map((h) => el("th", { scope: "col" }, h))));
    const body = el("tbody");
    for (const row of rows) body.append(el("tr", row.attributes ?? {}, ...row.cells.map((cell) => el("td", {}, cell))));
    table.replaceChildren(head, body);
  }

  function note(id, text) {
    byId(id).textContent = text;
  }

  function renderSummary(data) {
    const token = `${data.token.symbol ?? "(no symbol)"} at ${data.token.address}${data.token.decimals === null ? "" : `, ${data.token.decimals} decimals`}`;
    const rows = [
      ["Ledger", hash(data.ledger, "address")],
      ["Chain id", String(data.chainId)],
      ["As of block", data.blockNumber],
      ["Reward token", token],
      ["Round budget", amount(data.roundBudget)],
      ["Funded", amount(data.totalFunded)],
      ["Credited", amount(data.totalCredited)],
      ["Rounds recorded", String(data.rounds.length)],
      ["Head model", hash(data.headModelHash)],
      ["Genesis model", hash(data.genesisModelHash)],
      ["Round details", data.details.source ?? "none (chain only)"],
    ];
    byId("summary").replaceChildren(...rows.flatMap(([term, value]) => [el("dt", {}, term), el("dd", {}, value)]));
  }

  function offChainNote(data, what) {
    if (data.details.error !== null) return `The round details could not be read (${data.details.error}): ${what} are not shown.`;
    if (data.details.source === null) {
      return `${what[0].toUpperCase()}${what.slice(1)} are off-chain round details, not available here: the coordinator's /dashboard shows them, and \`fedledger dashboard --bundle FILE\` shows accuracy and loss from an audit bundle.`;
    }
    return "";
  }

  function renderChart(data) {
    const container = byId("metrics-chart");
    if (chart !== null) chart.destroy();
    chart = null;
    container.replaceChildren();
    container.dataset.points = "0";
    const unavailable = offChainNote(data, "accuracy and loss");
    if (data.rounds.length === 0) return note("metrics-note", "No round is recorded yet.");
    if (unavailable !== "") return note("metrics-note", unavailable);
    if (data.details.roundsWithMetrics === 0) return note("metrics-note", `The ${data.details.source} has no metrics for the recorded rounds.`);
    const mismatched = data.details.mismatchedRounds;
    note(
      "metrics-note",
      `From the ${data.details.source}, one point per recorded round.${mismatched.length > 0 ? ` Not shown: round(s) ${mismatched.join(", ")}, whose details name another aggregate than the chain.` : ""}`,
    );
    const rounds = data.rounds.map((r) => r.round);
    const metric = (name) => data.rounds.map((r) => (r.metrics !== null && typeof r.metrics[name] === "number" ? r.metrics[name] : null));
    const series = (label, scale, stroke) => ({ label, scale, stroke, width: 2, points: { show: true, size: 8 }, spanGaps: true, value: (u, v) => fixed(v) });
    const options = {
      width: Math.max(320, container.clientWidth),
      height: CHART_HEIGHT,
      scales: { x: { time: false, range: (u, min, max) => [min - 0.5, max + 0.5] }, accuracy: { auto: true }, loss: { auto: true } },
      series: [{ label: "round" }, series("accuracy", "accuracy", "#1f6fb2"), series("loss", "loss", "#c8412b")],
      axes: [
        { label: "round", incrs: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000], values: (u, splits) => splits.map((s) => String(s)) },
        { scale: "accuracy", label: "accuracy" },
        { scale: "loss", label: "loss", side: 1, grid: { show: false } },
      ],
    };
    chart = new uPlot(options, [rounds, metric("accuracy"), metric("loss")], container);
    container.dataset.points = String(rounds.length);
  }

  function lineageCell(continues) {
    if (continues === true) return el("span", { class: "ok" }, "✓ continues");
    if (continues === false) return el("span", { class: "bad" }, "✗ broken");
    return el("span", { class: "unknown" }, "? before the scanned blocks");
  }

  function renderRounds(data) {
    const headers = ["Round", "Base model", "Aggregate model", "Lineage", "Transaction", "Block", "Participants", "Budget", "Accuracy", "Loss", "Other metrics", "Left out"];
    fillTable(
      byId("rounds-table"),
      headers,
      data.rounds.map((r) => {
        const others = r.metrics === null ? [] : Object.entries(r.metrics).filter(([name]) => name !== "accuracy" && name !== "loss");
        return {
          attributes: { "data-round": r.round, "data-base": r.baseModelHash, "data-aggregate": r.aggregateModelHash, "data-tx": r.transactionHash },
          cells: [
            String(r.round),
            hash(r.baseModelHash),
            hash(r.aggregateModelHash),
            lineageCell(r.continuesLineage),
            hash(r.transactionHash, "tx"),
            r.blockNumber,
            String(r.participantCount),
            amount(r.budget),
            fixed(r.metrics?.accuracy),
            fixed(r.metrics?.loss),
            el("span", { class: "metrics" }, others.map(([name, value]) => `${name} = ${Number(value.toPrecision(6))}`).join("; ")),
            r.refusals === null ? "–" : String(r.refusals.length),
          ],
        };
      }),
    );
  }

  function renderParticipants(data) {
    const headers = ["Participant", "Status", "Rounds", "Total score", "Earned (events)", "Credited", "Claimed", "Claimable", "Claims", "Left out"];
    fillTable(
      byId("participants-table"),
      headers,
      data.participants.map((p) => ({
        attributes: { "data-address": p.address, "data-credited": p.credited.value, "data-claimed": p.claimed.value, "data-claimable": p.claimable.value },
        cells: [
          hash(p.address, "address"),
          p.status,
          String(p.rounds.length),
          p.totalScore,
          amount(p.earned),
          amount(p.credited),
          amount(p.claimed),
          amount(p.claimable),
          String(p.claims.length),
          p.refusals === null ? "–" : String(p.refusals),
        ],
      })),
    );
  }

  function renderAttribution(data) {
    const rounds = data.rounds.map((r) => r.round);
    fillTable(
      byId("attribution-table"),
      ["Participant", ...rounds.map((r) => `Round ${r}`)],
      data.participants.map((p) => {
        const mine = new Map(p.rounds.map((r) => [r.round, r]));
        return {
          attributes: { "data-address": p.address },
          cells: [
            hash(p.address, "address"),
            ...rounds.map((round) => {
              const r = mine.get(round);
              return r === undefined ? "–" : el("span", { class: "share", "data-round": round, "data-share": r.share, title: `score ${r.score}, reward ${r.reward.text}` }, percent(r.share));
            }),
          ],
        };
      }),
    );
  }

  function renderClaims(data) {
    fillTable(
      byId("claims-table"),
      ["Participant", "Recipient", "Amount", "Block", "Transaction"],
      data.claims.map((c) => ({
        attributes: { "data-address": c.participant, "data-amount": c.amount.value },
        cells: [hash(c.participant, "address"), hash(c.recipient, "address"), amount(c.amount), c.blockNumber, hash(c.transactionHash, "tx")],
      })),
    );
    if (data.claims.length === 0) byId("claims-table").append(el("caption", {}, "No claim yet."));
  }

  function renderRefusals(data) {
    const byReason = data.refusalsByReason;
    if (byReason === null) {
      note("refusals-note", offChainNote(data, "refusals") || `The ${data.details.source} does not record refusals.`);
      byId("refusals-table").replaceChildren();
      byId("refusals-list").replaceChildren();
      return;
    }
    note("refusals-note", `Updates the coordinator left out of a round or refused, from the ${data.details.source}.${byReason.length === 0 ? " None so far." : ""}`);
    fillTable(
      byId("refusals-table"),
      ["Reason", "Updates left out or refused"],
      byReason.map((r) => ({ attributes: { "data-reason": r.reason, "data-count": r.count }, cells: [el("code", {}, r.reason), String(r.count)] })),
    );
    fillTable(
      byId("refusals-list"),
      ["Round", "Participant", "Reason"],
      data.rounds.flatMap((r) => (r.refusals ?? []).map((x) => ({ attributes: { "data-round": r.round }, cells: [String(r.round), hash(x.participant, "address"), el("code", {}, x.reason)] }))),
    );
  }

  function render(data) {
    renderSummary(data);
    renderChart(data);
    renderRounds(data);
    renderParticipants(data);
    renderAttribution(data);
    renderClaims(data);
    renderRefusals(data);
  }

  async function load() {
    try {
      const response = await fetch("data.json", { cache: "no-store" });
      const body = await response.json();
      if (!response.ok) throw new Error(body?.error ? `[${body.error.code}] ${body.error.message}` : `HTTP ${response.status}`);
      render(body);
      window.fedledgerDashboard = { data: body, chart };
      note("status", `As of block ${body.blockNumber}, read at ${new Date().toLocaleTimeString()}; refreshes every ${REFRESH_MS / 1000} s.`);
      document.body.dataset.state = "ready";
    } catch (error) {
      note("status", `Could not load the dashboard's data: ${error instanceof Error ? error.message : String(error)}. Retrying in ${REFRESH_MS / 1000} s.`);
      if (document.body.dataset.state !== "ready") document.body.dataset.state = "error";
    }
    setTimeout(load, REFRESH_MS);
  }

  window.addEventListener("resize", () => {
    if (chart !== null) chart.setSize({ width: Math.max(320, byId("metrics-chart").clientWidth), height: CHART_HEIGHT });
  });
  void load();
})();

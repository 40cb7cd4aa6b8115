/* geo_portal batch geocoding page: send the CSV as a job, poll its progress, offer the result.
   The job's status address is kept in the page's URL (#job=…), so a reload or a later visit finds it again. */
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("batch-config").textContent);
  const T = config.texts;
  const fmt = (template, values) => template.replace(/\{(\w+)\}/g, (_, key) => (key in values ? values[key] : ""));
  const form = document.getElementById("batch-form");
  const submit = document.getElementById("batch-submit");
  const section = document.getElementById("batch-progress");
  const bar = document.getElementById("batch-bar");
  const statusLine = document.getElementById("batch-status");
  const summary = document.getElementById("batch-summary");
  const download = document.getElementById("batch-download");
  const errorBox = document.getElementById("batch-error");
  let timer = null;

  function showError(text) {
    errorBox.textContent = text;
    errorBox.hidden = false;
  }

  function firstError(body) {
    const fields = (body && body.fields) || {};
    for (const key of Object.keys(fields)) {
      if (fields[key] && fields[key].length) return fields[key][0];
    }
    return (body && body.error) || "";
  }

  function render(job) {
    section.hidden = false;
    const total = Math.max(job.rows_total, 1);
    if (job.status === "queued") {
      bar.value = 0;
      statusLine.textContent = T.queued;
    } else if (job.status === "running") {
      bar.value = Math.round((100 * job.rows_done) / total);
      statusLine.textContent = fmt(T.running, { done: job.rows_done, total: job.rows_total });
    } else if (job.status === "done") {
      bar.value = 100;
      const expires = new Date(job.expires_at).toLocaleString(document.documentElement.lang);
      statusLine.textContent = fmt(T.done, { rows: job.rows_done, expires: expires });
      summary.replaceChildren(
        ...Object.entries(job.by_status).map(([key, count]) => {
          const li = document.createElement("li");
          li.textContent = `${T.statuses[key] || key} (${key}): ${count}`;
          return li;
        })
      );
      download.href = job.download_url;
      download.textContent = T.download;
      download.hidden = false;
      submit.disabled = false;
    } else if (job.status === "failed") {
      statusLine.textContent = fmt(T.failed, { error: job.error });
      submit.disabled = false;
    }
    return job.status === "queued" || job.status === "running";
  }

  async function poll(statusUrl) {
    clearTimeout(timer);
    try {
      const response = await fetch(statusUrl, { headers: { Accept: "application/json" }, cache: "no-store" });
      if (response.status === 404) {
        statusLine.textContent = "";
        showError(T.lost);
        submit.disabled = false;
        return;
      }
      const job = await response.json();
      if (render(job)) timer = setTimeout(() => poll(statusUrl), 1000);
    } catch (err) {
      statusLine.textContent = T.network;
      timer = setTimeout(() => poll(statusUrl), 5000);
    }
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    errorBox.hidden = true;
    summary.replaceChildren();
    download.hidden = true;
    submit.disabled = true;
    section.hidden = false;
    bar.value = 0;
    statusLine.textContent = T.sending;
    try {
      const response = await fetch(form.action, { method: "POST", body: new FormData(form), headers: { Accept: "application/json" } });
      const body = await response.json();
      if (response.status !== 202) {
        section.hidden = true;
        showError(fmt(T.refused, { error: firstError(body) }));
        submit.disabled = false;
        return;
      }
      history.replaceState(null, "", `#job=${encodeURIComponent(body.status_url)}`);
      poll(body.status_url);
    } catch (err) {
      section.hidden = true;
      showError(T.network);
      submit.disabled = false;
    }
  });

  const match = /#job=(.+)$/.exec(location.hash);
  if (match) {
    const statusUrl = decodeURIComponent(match[1]);
    if (statusUrl.startsWith("/api/v1/geocode/batch/jobs/")) poll(statusUrl);
  }
})();

// Polls a background job's JSON status and shows it in a progress bar; when the job has
// finished the page reloads (or goes to the job's result), so the server draws the outcome.
(function () {
  "use strict";

  function watch(box) {
    var url = box.dataset.jobStatusUrl;
    var bar = box.querySelector("progress");
    var text = box.querySelector("[data-job-step]");
    var percent = box.querySelector("[data-job-percent]");
    var notice = box.querySelector("[data-job-notice]");
    function poll() {
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) {
            throw new Error("status " + response.status);
          }
          return response.json();
        })
        .then(function (job) {
          var value = Math.round(job.progress * 100);
          if (bar) {
            bar.value = value;
          }
          if (percent) {
            percent.textContent = value + " %";
          }
          if (text && job.step) {
            text.textContent = job.step;
          }
          if (notice) {
            notice.textContent = job.notice || "";
            notice.hidden = !job.notice;
          }
          box.dataset.jobState = job.status;
          if (job.finished) {
            window.location.assign(job.done_url || box.dataset.jobDoneUrl || window.location.href);
            return;
          }
          window.setTimeout(poll, 1000);
        })
        .catch(function () {
          window.setTimeout(poll, 3000);
        });
    }
    poll();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-job-status-url]").forEach(watch);
  });
})();

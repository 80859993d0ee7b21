// Entry point of alerts.html.
import { backend } from "../api/api";
import { AlertsApp } from "../alerts/app";

void (async () => {
  const app = new AlertsApp(document, await backend(), { search: window.location.search, hash: window.location.hash });
  await app.start();
})();

// Entry point of settings.html.
import { backend } from "../api/api";
import { SettingsApp } from "../settings/app";

void (async () => {
  const app = new SettingsApp(document, await backend());
  await app.start();
})();

// Entry point of settings.html.
export {};

// What the app's CSP (`default-src 'self'; img-src 'self' data:; style-src
// 'self'; script-src 'self'`) would block in a page: the build fails on any
// of it rather than ship a window that is blank or half-styled in the app.

/** @param {string} name @param {string} html @returns {string[]} */
export function cspProblems(name, html) {
  const problems = [];
  for (const m of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
    if (!/\bsrc=/.test(m[1]) || m[2].trim() !== "") problems.push(`${name}: inline <script>`);
  }
  if (/<style\b/i.test(html)) problems.push(`${name}: inline <style>`);
  if (/\sstyle\s*=/i.test(html)) problems.push(`${name}: style attribute`);
  if (/\son[a-z]+\s*=/i.test(html)) problems.push(`${name}: inline event handler`);
  if (/\s(?:src|href)\s*=\s*["']?(?:https?:)?\/\//i.test(html)) problems.push(`${name}: remote resource`);
  if (/\s(?:src|href)\s*=\s*["']?javascript:/i.test(html)) problems.push(`${name}: javascript: URL`);
  return problems;
}

// Vite's `?raw` imports: the pages' HTML as text, for loading into jsdom.
declare module "*.html?raw" {
  const text: string;
  export default text;
}

// Stands in for `htmlnano`, `cssnano-preset-lite` and `js-beautify` in the Worker bundle
// (wrangler.toml [alias]). mjml-core loads them at start-up but calls them only for its `minify` and
// `beautify` options, which Herald never sets (src/channels/email/compile.ts); with their PostHTML,
// PostCSS, cosmiconfig and YAML dependencies they were about 900 KiB of the bundle. Should an option
// ever reach them, they fail loudly instead of returning the HTML unchanged.
function unavailable(): never {
  throw new Error("mjml's minify and beautify options are not available in Herald's Worker bundle");
}

/** htmlnano's default export and cssnano-preset-lite's preset. */
export default unavailable;
/** js-beautify's `html`. */
export const html = unavailable;

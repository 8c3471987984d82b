// Stands in for `typescript` in the Worker bundle (wrangler.toml [alias]): mjml 5 reaches it through
// htmlnano → cosmiconfig only to read TypeScript config files, which Herald never has. Without the
// alias the bundle grows by about 10 MB (1.7 MB gzipped).
export default {};

// The one locale Herald uses: zod's English messages, which zod itself installs as the default.
export { default as en } from "zod/v4/locales/en.js";

/** Rewrites README.md's channel configuration reference from the channel declarations. */
import { readFileSync, writeFileSync } from "node:fs";
import { configReference, withReference } from "../src/channels/config-reference.js";
import { documentedChannels } from "../src/channels/documented.js";

const path = new URL("../README.md", import.meta.url);
writeFileSync(path, withReference(readFileSync(path, "utf8"), configReference(documentedChannels())));

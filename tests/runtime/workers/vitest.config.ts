/** Tests inside workerd on the paid profile (the default): every file of tests/runtime/workers. */
import { workersProject } from "./project.js";

export default workersProject("inside-workerd", ["tests/runtime/workers/**/*.test.ts"]);

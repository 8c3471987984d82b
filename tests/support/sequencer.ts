/**
 * The order test files start in. vitest's own order runs projects one after another in name order
 * (deno, inside-workerd, …, portable-workerd last); on a fresh clone (CI: no timings cached) files
 * within a project go largest first. That put the portable-workerd files, which spend ~80% of their
 * time waiting on wrangler dev, together at the end of the run, where there is nothing left to fill
 * the waits with. Here the long files inside workerd start first, the waiting workerd files next
 * (while the node project's CPU-heavy files run beside them), and the short Deno files last, where
 * they fill the gaps at the end. Within a project vitest's order stands (failed first, then slowest
 * when timings are cached, else largest).
 */
import { BaseSequencer, type TestSpecification } from "vitest/node";

const RANK = ["inside-workerd", "inside-workerd-free", "portable-workerd", "node", "deno"];

export class SuiteSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (spec: TestSpecification) => {
      const at = RANK.indexOf(spec.project.name);
      return at === -1 ? RANK.length : at;
    };
    // Array.prototype.sort is stable: vitest's order within each project is kept.
    return (await super.sort(files)).sort((a, b) => rank(a) - rank(b));
  }
}

// Every WebDriver spec of the repository: `deno task e2e` runs this module (with the task's own permissions,
// which tests/tasks_test.ts holds it to; that is how `deno task test` runs them too).
import "./webdriverio.ts";
import "./selenium.ts";
import "./no_automation.ts";

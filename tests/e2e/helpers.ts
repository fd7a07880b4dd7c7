// What the WebDriver specs share.
import type { WebDriverServer } from "../../webdriver.ts";

/** Waits until the driver has no app left running; false if one still runs after `ms`. */
export async function appsGone(driver: WebDriverServer, ms = 10_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if ((await driver.apps()).length === 0) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

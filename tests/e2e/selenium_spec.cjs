// The demo driven by Selenium (selenium-webdriver 4.x, on Node) through WebKitGTK's WebDriver: run by
// selenium.ts, which starts WebKitWebDriver and passes its URL and the app's capabilities.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const { Builder, By, until } = require("selenium-webdriver");

const server = process.env.WEBDRIVER_URL;
const capabilities = JSON.parse(process.env.APP_CAPABILITIES || "null");

test("selenium: the demo greets, and its isolation hook refuses a path", async () => {
  assert.ok(server && capabilities, "run by tests/e2e/selenium.ts (WEBDRIVER_URL, APP_CAPABILITIES)");
  // browserName must be the app's application name, "airlock", or WebKitWebDriver matches no browser.
  const driver = await new Builder().usingServer(server).withCapabilities(capabilities).build();
  try {
    const session = await driver.getCapabilities();
    assert.equal(session.getBrowserName(), "airlock");
    const results = () => driver.findElements(By.css("#log li"));
    const newest = () => driver.findElement(By.css("#log li")).getText();
    const click = async (id) => {
      const before = (await results()).length;
      await driver.findElement(By.id(id)).click();
      await driver.wait(async () => (await results()).length > before, 10000, `no answer to #${id}`);
      return await newest();
    };
    // The page greets on load, once its bridge and isolation frame are up.
    await driver.wait(until.elementLocated(By.css("#log li")), 10000);
    const name = await driver.findElement(By.id("name"));
    await name.clear();
    await name.sendKeys("Selenium");
    assert.equal(
      await click("greet"),
      'greet: ✔ Hello, Selenium! (answered by the Deno core for window "main")',
    );
    assert.equal(
      await click("read-bad"),
      'read ../../etc/passwd: ✘ isolation hook refused the call: path "../../etc/passwd" is outside the ' +
        "app's folders",
    );
    assert.equal((await driver.getAllWindowHandles()).length, 1);
  } finally {
    await driver.quit();
  }
});

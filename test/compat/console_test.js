// The admin web console in headless Chromium: the page loads with nothing
// fetched from elsewhere, every member's role shows, the tree expands, a
// node's data shows as text, JSON and hex, the charts draw; a screenshot is
// saved. Args: CHROMIUM SCREENSHOT URL_OF_SERVER... (the first is opened).
// Prints PASS or FAIL: reason. Stops its browser on every path.
"use strict";
const fs = require("fs");
const os = require("os");
const path = require("path");
// Installed into the working directory by console_test.sh.
const { chromium } = require(require.resolve("playwright-core", { paths: [process.cwd()] }));

const [executablePath, screenshot, ...urls] = process.argv.slice(2);

async function main() {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "arbor-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    viewport: { width: 1400, height: 1100 },
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
           "--disable-component-update", "--no-first-run"],
  });
  try {
    const page = context.pages()[0] || (await context.newPage());
    const origins = new Set(urls.map(u => new URL(u).origin));
    const foreign = [];
    const errors = [];
    await page.route("**/*", route => {
      const u = route.request().url();
      if (origins.has(new URL(u).origin)) return route.continue();
      foreign.push(u);
      return route.abort();
    });
    page.on("pageerror", e => errors.push(String(e)));
    await page.goto(urls[0], { waitUntil: "load" });

    // Every member's role, from the leader's view.
    await page.waitForFunction(() => document.querySelectorAll("#members tbody tr").length === 3, null, { timeout: 10000 });
    const roles = await page.$$eval("#members tbody tr", rows => rows.map(r => r.querySelector(".role").textContent));
    if (roles.filter(r => r === "leader").length !== 1 || roles.filter(r => r === "follower").length !== 2) {
      throw new Error("roles shown: " + roles.join(","));
    }
    console.log("roles: " + roles.join(","));

    // The tree: the root opens by itself; open /app and select /app/config.
    await page.click('.node[data-path="/app"] > .label');
    await page.waitForSelector('.node[data-path="/app/config"]', { timeout: 10000 });
    await page.click('.node[data-path="/app/workers"] > .label');
    await page.waitForSelector('.node[data-path="/app/workers/w2"]', { timeout: 10000 });
    await page.click('.node[data-path="/app/config"] > .label');
    await page.waitForFunction(() => document.getElementById("node-data").textContent.includes('"replicas"'), null, { timeout: 10000 });
    await page.click('button[data-view="json"]');
    await page.waitForFunction(() => document.getElementById("node-data").textContent.includes('"replicas": 3'), null, { timeout: 5000 });
    await page.click('button[data-view="hex"]');
    await page.waitForFunction(() => document.getElementById("node-data").textContent.startsWith("00000000  7b"), null, { timeout: 5000 });
    await page.click('button[data-view="json"]');
    const stat = await page.textContent("#node-stat");
    if (!stat.includes("dataLength")) throw new Error("no Stat shown: " + stat);
    const acl = await page.textContent("#node-acl");
    if (!acl.includes("world") || !acl.includes("cdrwa")) throw new Error("no ACL shown: " + acl);
    console.log("tree, data, Stat and ACL shown");

    // Sessions (the test's client holds an ephemeral) and the health pills.
    await page.waitForFunction(() => document.querySelector("#sessions").textContent.includes("/app/lock"), null, { timeout: 10000 });
    await page.waitForFunction(() => document.getElementById("ready").textContent === "ready", null, { timeout: 10000 });
    // Two history points make a chart line; wait for the next refresh after them.
    await page.waitForTimeout(4500);
    await page.screenshot({ path: screenshot, fullPage: true });
    console.log("screenshot " + screenshot);

    // The other servers' consoles know their own role.
    for (const u of urls.slice(1)) {
      await page.goto(u, { waitUntil: "load" });
      await page.waitForFunction(() => /server \d+ · (leader|follower)/.test(document.getElementById("server").textContent), null, { timeout: 10000 });
    }
    if (foreign.length) throw new Error("requests outside the server: " + foreign.join(" "));
    if (errors.length) throw new Error("page errors: " + errors.join(" | "));
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

const timer = setTimeout(() => { console.log("FAIL: timed out"); process.exit(1); }, 100000);
main().then(() => { clearTimeout(timer); console.log("PASS"); },
            e => { clearTimeout(timer); console.log("FAIL: " + (e && e.stack || e)); process.exitCode = 1; });

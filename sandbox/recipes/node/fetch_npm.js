// Download npm's own package from the configured npm registry: fetch_npm.js NPMRC VERSION OUT.
// Debian's npm package drags in ~400 node-* packages (minutes to install); npm's registry
// tarball is self-contained. Trusts NODE_EXTRA_CA_CERTS like any node program.
"use strict";
const fs = require("fs");
const https = require("https");
const http = require("http");

const [npmrc, version, out] = process.argv.slice(2);
let registry = "https://registry.npmjs.org/";
for (const line of fs.readFileSync(npmrc, "utf8").split("\n")) {
  const match = line.match(/^\s*registry\s*=\s*(\S+)/);
  if (match) registry = match[1];
}
if (!registry.endsWith("/")) registry += "/";

function get(url, redirects) {
  const client = url.startsWith("https:") ? https : http;
  client
    .get(url, (res) => {
      if ([301, 302, 303, 307, 308].includes(res.statusCode) && redirects > 0) {
        res.resume();
        return get(new URL(res.headers.location, url).toString(), redirects - 1);
      }
      if (res.statusCode !== 200) {
        console.error(`error: GET ${url} answered ${res.statusCode}`);
        process.exit(1);
      }
      res.pipe(fs.createWriteStream(out)).on("finish", () => console.log(`fetched ${url}`));
    })
    .on("error", (err) => {
      console.error(`error: GET ${url}: ${err.message}`);
      process.exit(1);
    });
}

get(`${registry}npm/-/npm-${version}.tgz`, 5);

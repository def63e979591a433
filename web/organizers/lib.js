// The console's only libraries: Preact (DOM diffing) and htm (JSX-like tagged templates),
// loaded as ES modules straight from node_modules (npm ci in web/organizers/; no bundler).
import { Component, Fragment, h, render } from "./node_modules/preact/dist/preact.mjs";
import htm from "./node_modules/htm/dist/htm.mjs";

export const html = htm.bind(h);
export { Component, Fragment, h, render };

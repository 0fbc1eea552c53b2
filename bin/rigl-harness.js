#!/usr/bin/env node
// Entry point of the `rigl-harness` command. It registers tsx so the TypeScript sources run as they
// are (no build step to remember after `npm ci`), then hands over to harness/cli.ts, the only
// place that exits.
import { register } from 'tsx/esm/api';

register();
await import('../harness/cli.ts');

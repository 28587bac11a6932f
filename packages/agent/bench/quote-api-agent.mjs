#!/usr/bin/env node
// The agent with the quote benchmark's bare route (quote-api-agent.ts), from the TypeScript sources.
import { register } from 'tsx/esm/api';

register();
await import('./quote-api-agent.ts');

/**
 * Zero-code setup: `node --import opentelemetry-exporter-metrics-cloudwatch/register app.mjs` (or `--require` for
 * CommonJS) registers a global MeterProvider exporting to CloudWatch, configured from environment variables only
 * (see the README). Importing it has that effect and nothing else.
 */
import { registerFromEnv } from './register/registerFromEnv.js';

registerFromEnv();

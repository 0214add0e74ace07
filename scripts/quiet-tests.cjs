// Loaded by every mocha run (see .mocharc.json): tests print only what they test.
// The AWS SDK warns once per process that its releases after January 2027 need Node 22 (see README, "Node.js
// versions"); that notice is about the SDK, not about anything a test checks, and child processes inherit this.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

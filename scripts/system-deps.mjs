#!/usr/bin/env node
// Makes sure the system packages the test suite drives for real are present:
// socat (pseudo-terminal pairs for serial scanners), libusb-1.0-0 (node-hid's prebuilt
// binary links it), zbar-tools (zbarimg decodes printed barcodes back), chromium (the
// companion page's end-to-end tests), gcc and libc6-dev (the power-cut tests compile their
// LD_PRELOAD library, packages/agent/test/power-loss/powercut.c). As root it installs what is
// missing with apt-get;
// otherwise it stops and prints the exact line to run.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const needs = [
  { pkg: 'socat', present: () => onPath('socat') },
  { pkg: 'libusb-1.0-0', present: () => hasLibrary('libusb-1.0.so.0') },
  { pkg: 'zbar-tools', present: () => onPath('zbarimg') },
  { pkg: 'chromium', present: () => existsSync('/usr/bin/chromium') },
  { pkg: 'gcc', present: () => onPath('cc') },
  { pkg: 'libc6-dev', present: () => existsSync('/usr/include/stdio.h') },
];

function onPath(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

function hasLibrary(soname) {
  const out = spawnSync('ldconfig', ['-p'], { encoding: 'utf8' });
  return out.status === 0 && out.stdout.includes(soname);
}

const missing = needs.filter((need) => !need.present()).map((need) => need.pkg);
if (missing.length === 0) process.exit(0);

const line = `apt-get update && apt-get install -y --no-install-recommends ${missing.join(' ')}`;
if (process.getuid?.() !== 0) {
  console.error(`Tillpoint tests need these system packages: ${missing.join(', ')}.`);
  console.error(`Install them as root, then run the tests again:\n\n  sudo sh -c '${line}'\n`);
  process.exit(1);
}
console.log(`Installing system packages for the tests: ${missing.join(', ')}`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
execFileSync('sh', ['-c', line], { stdio: 'inherit', env });

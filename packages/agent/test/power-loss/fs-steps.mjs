// @ts-check
// A child for the power-cut controls: file and directory operations through Node's fs (libuv),
// each step announced on stdout once it returned. The control then cuts the power and checks
// that exactly the steps made durable by fsync (files) and directory fsync (names) survived.
//
//   node fs-steps.mjs <dir>
import { closeSync, fsyncSync, openSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2];
if (dir === undefined) {
  console.error('usage: fs-steps.mjs <dir>');
  process.exit(2);
}
/** @param {string} name @param {string} text */
const writeAndSync = (name, text) => {
  const fd = openSync(join(dir, name), 'w');
  writeSync(fd, text);
  fsyncSync(fd);
  closeSync(fd);
};
const syncDir = () => {
  const fd = openSync(dir, 'r');
  fsyncSync(fd);
  closeSync(fd);
};
/** @param {string} step */
const say = (step) => writeSync(1, `${step}\n`);

writeAndSync('kept.txt', 'kept');
writeAndSync('renamed.txt', 'renamed');
writeAndSync('overwritten.txt', 'one');
writeFileSync(join(dir, 'empty.txt'), 'never synced'); // its name is synced below, its data never
syncDir();
say('synced');
// Nothing below is followed by a directory fsync.
writeAndSync('nameless.txt', 'nameless'); // content durable, name not
renameSync(join(dir, 'renamed.txt'), join(dir, 'moved.txt'));
writeFileSync(join(dir, 'overwritten.txt'), 'two'); // never synced
writeFileSync(join(dir, 'kept.txt'), 'kept, then changed'); // never synced
say('done');
setInterval(() => {}, 1000); // wait for the cut

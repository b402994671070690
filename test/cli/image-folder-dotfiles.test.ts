import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { listImageFolder, loadImageFolder } from '../../src/data/index.js';

function writePng(path: string): void {
  const png = new PNG({ width: 2, height: 2 });
  png.data.fill(255);
  writeFileSync(path, PNG.sync.write(png));
}

/** What macOS leaves next to a copied file: AppleDouble metadata, not an image. */
function writeAppleDouble(path: string): void {
  writeFileSync(path, Buffer.from([0x00, 0x05, 0x16, 0x07, 0x00, 0x02, 0x00, 0x00]));
}

test('AppleDouble ._ files and other dot-files in an image folder are skipped, flat or with classes', () => {
  const root = mkdtempSync(join(tmpdir(), 'classes-image-dotfiles-'));
  const flat = join(root, 'flat');
  mkdirSync(flat);
  writePng(join(flat, 'a.png'));
  writeAppleDouble(join(flat, '._a.png'));
  writeAppleDouble(join(flat, '.hidden.jpg'));
  assert.deepEqual(listImageFolder(flat).files, [join(flat, 'a.png')]);
  assert.equal(loadImageFolder(flat, { width: 2, height: 2, channels: 1 }).shape[0], 1);

  const classes = join(root, 'classes');
  mkdirSync(join(classes, 'cat'), { recursive: true });
  writePng(join(classes, 'cat', 'c.png'));
  writeAppleDouble(join(classes, 'cat', '._c.png'));
  const listing = listImageFolder(classes);
  assert.deepEqual(listing.files, [join(classes, 'cat', 'c.png')]);
  assert.deepEqual(listing.classNames, ['cat']);
  assert.equal(loadImageFolder(classes, { width: 2, height: 2, channels: 1 }).shape[0], 1);
});

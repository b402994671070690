import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { defaultErrorModelsDir, packageRoot, resolveCampaignArg } from '../../src/util/package-root.js';
import { ROOT } from '../helpers.js';

test('the package root is the repository root, and shipped data is found from it', () => {
  assert.equal(packageRoot(), ROOT);
  assert.ok(existsSync(join(defaultErrorModelsDir(), 'conv_gemm.json')));
});

test('a campaign argument is a path, or the name of a shipped campaign', () => {
  assert.equal(resolveCampaignArg('lenet5-mnist'), join(ROOT, 'campaigns', 'lenet5-mnist', 'campaign.json'));
  const given = join(ROOT, 'campaigns', 'lenet5-mnist', 'campaign.json');
  assert.equal(resolveCampaignArg(given), given);
  // unknown names are left alone, so the file error names what the user typed
  assert.equal(resolveCampaignArg('no-such-campaign'), 'no-such-campaign');
  assert.equal(resolveCampaignArg('../lenet5-mnist'), '../lenet5-mnist');
});

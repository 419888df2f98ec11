import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { findExistingTool, TEMPORAL_CLI } from '../../devstack/go-tools';
import { testStack } from './stack';

export const HISTORY_FIXTURES = path.join(__dirname, '..', 'fixtures', 'histories');

/**
 * With BELUGA_RECORD_HISTORIES=1, saves a real run's history as a replay fixture
 * (`<prefix>-<BELUGA_HISTORY_NAME>.json`) in the CLI's JSON export format; otherwise does nothing.
 */
export function maybeRecordHistory(workflowId: string, prefix: string): void {
  if (process.env.BELUGA_RECORD_HISTORIES !== '1') return;
  const cli = findExistingTool(TEMPORAL_CLI);
  if (!cli) throw new Error('temporal CLI not provisioned: run npm run provision');
  const json = execFileSync(
    cli,
    ['workflow', 'show', '--workflow-id', workflowId, '--output', 'json', '--address', testStack().temporalAddress],
    { encoding: 'utf8' },
  );
  fs.mkdirSync(HISTORY_FIXTURES, { recursive: true });
  // Name it after what changed; older fixtures stay, so every past workflow shape keeps replaying.
  fs.writeFileSync(path.join(HISTORY_FIXTURES, `${prefix}-${process.env.BELUGA_HISTORY_NAME ?? 'latest'}.json`), json);
}

// The operator CLI as operators run it: `server/cli.ts` compiled to JavaScript once per test process with esbuild,
// exactly as `npm start`'s build makes dist/server/cli.js, then run with plain node for each call. Under tsx each call
// spent a second or more compiling the CLI's modules again; the tests call it dozens of times.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
let compiled: Promise<string> | undefined;

/** dist/test-cli-XXXX/cli.js: beside dist/server, so its packages resolve from the repo's node_modules. */
function cliScript(): Promise<string> {
  compiled ??= (async () => {
    mkdirSync(path.join(ROOT, 'dist'), { recursive: true });
    const dir = mkdtempSync(path.join(ROOT, 'dist', 'test-cli-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    const outfile = path.join(dir, 'cli.js');
    await build({
      entryPoints: [path.join(ROOT, 'server', 'cli.ts')],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node22',
      packages: 'external',
      logLevel: 'warning',
    });
    return outfile;
  })();
  return compiled;
}

/** Runs the CLI in a child process with these settings (on top of this process's environment) and `stdin`; killed after 30 s. */
export async function runCli(
  args: string[],
  env: Record<string, string>,
  stdin = '',
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const script = await cliScript();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: 30_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin!.end(stdin);
  });
}

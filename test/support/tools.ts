import { execFileSync } from 'node:child_process';
import type { TestContext } from 'node:test';

function onPath(tool: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * For `describe(name, { skip: missingTool('prometheus') }, ...)`: false when the external tool
 * (Debian's prometheus, promtool, chromium, victoria-metrics) is on PATH, else the skip reason.
 * Under CI=true a missing tool is a failure, never a silent skip: `.ci/run` installs them.
 */
export function missingTool(...tools: string[]): string | false {
  const missing = tools.filter((t) => !onPath(t));
  if (missing.length === 0) return false;
  const why = `${missing.join(', ')} not installed (apt-get install -y ${missing.join(' ')})`;
  if (process.env['CI'] === 'true') throw new Error(`${why}; CI must install it (see .ci/run)`);
  return `${why}; under CI=true this fails instead of skipping`;
}

/** Inside a test: true when the tool is there; else skips the test (or throws under CI=true). */
export function requireTool(t: TestContext, tool: string): boolean {
  const why = missingTool(tool);
  if (why === false) return true;
  t.skip(why);
  return false;
}

/** A TCP port that was free a moment ago, for tools that cannot report the port they bound. */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Polls `check` until it returns a value (not undefined), at most `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  timeoutMs: number,
  what: string,
  intervalMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (let attempt = 0; attempt < Math.ceil(timeoutMs / intervalMs) + 1; attempt++) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`,
  );
}

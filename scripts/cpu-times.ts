// What a test file costs in CPU. The suite runs on two cores with little idle (84 % busy seen in CI), so a file's CPU
// tells more than its wall time about what makes the suite long. A shell runs the command, then prints on its fd 3
// its children's times (bash's `times`, second line): the command's process and everything it started and reaped
// (servers, ffmpeg, Chromium). A process left orphaned is not counted.

/** `bash -c RUN_AND_TIME name COMMAND ARGS...`: runs the command, prints the times on fd 3, exits with its status. */
export const RUN_AND_TIME = '"$@"; status=$?; times >&3; exit $status';

/** Seconds of CPU from `times`' children's line ("1m2.345s 0m10.000s": user, then system), or null. */
export function childCpuSeconds(times: string): number | null {
  const line = times.trim().split('\n')[1];
  const parts = line
    ?.trim()
    .split(/\s+/)
    .map((t) => /^(\d+)m([\d.]+)s$/.exec(t));
  if (!parts || parts.length !== 2 || parts.some((m) => !m)) return null;
  return parts.reduce((n, m) => n + Number(m![1]) * 60 + Number(m![2]), 0);
}

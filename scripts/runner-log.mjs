// How the GitHub runner reads a step's output for workflow commands, for the
// tests: it breaks the output into lines at \r, \n and \r\n; a line is a
// command when it starts with `::` (after leading whitespace) or holds the
// legacy `##[` form anywhere; between `::stop-commands::TOKEN` and a command
// named TOKEN (either form) nothing else is processed. Only registered
// command names count, as in the runner.

const REGISTERED = new Set([
  'set-output',
  'set-env',
  'add-path',
  'add-mask',
  'add-matcher',
  'remove-matcher',
  'warning',
  'error',
  'notice',
  'debug',
  'group',
  'endgroup',
  'echo',
  'save-state',
  'stop-commands',
]);

/** `::name props::data` */
function parseV2(line, names) {
  const m = line.trimStart();
  if (!m.startsWith('::')) return undefined;
  const end = m.indexOf('::', 2);
  if (end < 0) return undefined;
  const info = m.slice(2, end);
  const space = info.indexOf(' ');
  const name = space < 0 ? info : info.slice(0, space);
  if (!names.has(name)) return undefined;
  return { name, props: space < 0 ? '' : info.slice(space + 1), data: m.slice(end + 2), line };
}

/** `##[name props]data`, anywhere in the line */
function parseLegacy(line, names) {
  const start = line.indexOf('##[');
  if (start < 0) return undefined;
  const close = line.indexOf(']', start + 3);
  if (close < 0) return undefined;
  const info = line.slice(start + 3, close);
  const space = info.indexOf(' ');
  const name = space < 0 ? info : info.slice(0, space);
  if (!names.has(name)) return undefined;
  return { name, props: space < 0 ? '' : info.slice(space + 1), data: line.slice(close + 1), line };
}

/**
 * The commands the runner would process in `output`, in order, and whether a
 * stop-commands block was left open at the end.
 */
export function runnerCommands(output) {
  const commands = [];
  let token;
  for (const line of output.split(/\r\n|\r|\n/)) {
    const names = token === undefined ? REGISTERED : new Set([...REGISTERED, token]);
    const cmd = parseV2(line, names) ?? parseLegacy(line, names);
    if (cmd === undefined) continue;
    if (token !== undefined) {
      if (cmd.name === token) token = undefined;
      continue;
    }
    if (cmd.name === 'stop-commands') {
      token = cmd.data;
      continue;
    }
    commands.push(cmd);
  }
  return { commands, open: token !== undefined };
}

/** The outputs the deprecated set-output command would set. */
export function commandOutputs(commands) {
  const out = {};
  for (const c of commands) {
    if (c.name !== 'set-output') continue;
    const m = /(?:^|[,;])\s*name=([^,;]*)/.exec(c.props);
    if (m) out[m[1]] = c.data;
  }
  return out;
}

/**
 * Commands that the output of a build forged: every legacy-form command (the
 * action issues none), the commands the action never issues on its output,
 * and any command whose data starts with `marker` (the tests' hostile text).
 */
export function forgedCommands(commands, marker = 'FORGED') {
  const never = new Set([
    'set-output',
    'add-mask',
    'stop-commands',
    'set-env',
    'add-path',
    'save-state',
    'echo',
    'add-matcher',
    'remove-matcher',
  ]);
  return commands.filter((c) => c.data.startsWith(marker) || !c.line.trimStart().startsWith('::') || never.has(c.name));
}
